import { Box, Code, Group, Select, Stack, Text, Textarea } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok } from '../api/client';
import type { PickerOption } from './pickers';

interface Props {
  value: string;
  onChange(value: string): void;
  /** An error the API gave for this field on save. */
  serverError?: string;
  accounts: PickerOption[];
  description: string;
}

/**
 * The account filter, checked as you type by the service's own parser (POST /account-filter/check): the error
 * is shown with a caret at its position; the expression can be tried against a chosen account.
 */
export function AccountFilterEditor({ value, onChange, serverError, accounts, description }: Props) {
  const [debounced] = useDebouncedValue(value, 200);
  const [accountId, setAccountId] = useState<string | null>(null);
  const expression = debounced.trim() === '' ? null : debounced;
  const check = useQuery({
    queryKey: ['account-filter-check', expression, accountId],
    enabled: expression !== null,
    queryFn: async () =>
      ok(
        await api.POST('/account-filter/check', {
          body: { expression: expression ?? '', ...(accountId ? { accountId } : {}) },
        }),
      ),
  });
  const result = expression !== null && debounced === value ? check.data : undefined;
  const syntax = result && !result.valid ? result.error : null;
  return (
    <Stack gap={4}>
      <Textarea
        label="Account filter"
        description={description}
        placeholder='customFields.country == UK AND currency != "USD"'
        value={value}
        onChange={(e) => onChange(e.currentTarget.value)}
        error={syntax ? syntax.message : serverError}
        autosize
        minRows={2}
        spellCheck={false}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
      />
      {syntax && (
        <Box
          component="pre"
          data-testid="account-filter-error-pointer"
          aria-label={`Error at position ${syntax.position}`}
          m={0}
          fz="sm"
          c="red"
          style={{ fontFamily: 'var(--mantine-font-family-monospace)', whiteSpace: 'pre', overflowX: 'auto' }}
        >
          {`${debounced}\n${' '.repeat(syntax.position)}^ expected ${syntax.expected}`}
        </Box>
      )}
      {result?.valid && (
        <Text size="sm" c="teal" data-testid="account-filter-valid">
          Valid filter
        </Text>
      )}
      <Group align="flex-end" gap="sm">
        <Select
          label="Test against account"
          placeholder="Choose an account"
          data={accounts}
          value={accountId}
          onChange={setAccountId}
          searchable
          clearable
          w={320}
        />
        {result?.valid && accountId && (
          <Text size="sm" data-testid="account-filter-match">
            {result.matches ? (
              <>
                <Code>match</Code> this account is in scope
              </>
            ) : (
              <>
                <Code>no match</Code> bills of this account are not sent
              </>
            )}
          </Text>
        )}
      </Group>
    </Stack>
  );
}
