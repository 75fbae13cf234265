import {
  Alert,
  Button,
  Group,
  Modal,
  NativeSelect,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, api, ok, type Integration, type Schemas } from '../api/client';
import { usePicker } from './pickers';

type M3terEntity = Schemas['ExternalMapping']['m3terEntity'];
/** Every m3ter entity a mapping may name (the record's keys must be exactly the API's enum). */
const ENTITY_TABLE: Record<M3terEntity, Schemas['ExternalMapping']['externalTable']> = {
  Account: 'Customer',
  Product: 'Item',
  Aggregation: 'Item',
  CompoundAggregation: 'Item',
  PricingBand: 'Item',
};

/** The seed's "Linked external mappings": mappings that count only for this integration; create and delete here. */
export function LinkedMappings({ integration: i }: { integration: Integration }) {
  const queryClient = useQueryClient();
  const key = ['integrations', i.id, 'external-mappings'];
  const mappings = useQuery({
    queryKey: key,
    queryFn: async () =>
      ok(
        await api.GET('/integrations/{id}/external-mappings', {
          params: { path: { id: i.id }, query: { limit: 500 } },
        }),
      ),
  });
  const remove = useMutation({
    mutationFn: async (m: { id: string; version: number }) =>
      ok(
        await api.DELETE('/external-mappings/{id}', {
          params: { path: { id: m.id }, query: { version: m.version } },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['integrations', i.id] }),
  });
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <Paper withBorder p="md" component="section" aria-label="Linked external mappings">
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={3} size="h4">
            Linked external mappings
          </Title>
          <Button variant="default" onClick={open}>
            Create mapping
          </Button>
        </Group>
        {mappings.data && mappings.data.data.length === 0 && (
          <Text c="dimmed" size="sm">
            No mappings linked to this integration.
          </Text>
        )}
        {mappings.data && mappings.data.data.length > 0 && (
          <Table.ScrollContainer minWidth={600}>
            <Table aria-label="Linked external mappings">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>m3ter entity</Table.Th>
                  <Table.Th>m3ter ID</Table.Th>
                  <Table.Th>External table</Table.Th>
                  <Table.Th>External ID</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {mappings.data.data.map((m) => (
                  <Table.Tr key={m.id}>
                    <Table.Td>{m.m3terEntity}</Table.Td>
                    <Table.Td>{m.m3terId}</Table.Td>
                    <Table.Td>{m.externalTable}</Table.Td>
                    <Table.Td>{m.externalId}</Table.Td>
                    <Table.Td>
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        aria-label={`Delete mapping of ${m.m3terEntity} ${m.m3terId}`}
                        onClick={() => remove.mutate(m)}
                      >
                        Delete
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {remove.error && (
          <Alert color="red" role="alert">
            {remove.error.message}
          </Alert>
        )}
      </Stack>
      <Modal opened={opened} onClose={close} title="Add linked external mapping">
        {opened && <CreateMapping integration={i} onDone={close} />}
      </Modal>
    </Paper>
  );
}

function CreateMapping({ integration: i, onDone }: { integration: Integration; onDone(): void }) {
  const queryClient = useQueryClient();
  const [entity, setEntity] = useState<M3terEntity>('Account');
  const [m3terId, setM3terId] = useState<string | null>(null);
  const [externalId, setExternalId] = useState('');
  const accounts = usePicker('accounts');
  const products = usePicker('products');
  const aggregations = usePicker('aggregations');
  const options =
    entity === 'Account'
      ? accounts
      : entity === 'Product'
        ? products
        : entity === 'Aggregation'
          ? aggregations
          : null;
  const create = useMutation({
    mutationFn: async () =>
      ok(
        await api.POST('/external-mappings', {
          body: {
            m3terEntity: entity,
            m3terId: m3terId ?? '',
            externalSystem: i.destination,
            externalTable: ENTITY_TABLE[entity],
            externalId,
            integrationConfigId: i.id,
          },
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['integrations', i.id] });
      onDone();
    },
  });
  const error = create.error instanceof ApiError ? create.error : undefined;
  return (
    <Stack>
      <NativeSelect
        label="M3ter entity"
        description="The kind of m3ter object this mapping is for."
        value={entity}
        onChange={(e) => {
          setEntity(e.currentTarget.value as M3terEntity);
          setM3terId(null);
        }}
        data={Object.keys(ENTITY_TABLE)}
      />
      {options ? (
        <Select
          label="M3ter entity ID"
          description="The m3ter object (searchable)."
          data={options}
          value={m3terId}
          onChange={setM3terId}
          searchable
          error={error?.issueFor('m3terId')}
        />
      ) : (
        <TextInput
          label="M3ter entity ID"
          description="The m3ter object's id."
          value={m3terId ?? ''}
          onChange={(e) => setM3terId(e.currentTarget.value)}
          error={error?.issueFor('m3terId')}
        />
      )}
      <TextInput
        label="External entity ID"
        description={`The QuickBooks ${ENTITY_TABLE[entity]} id.`}
        value={externalId}
        onChange={(e) => setExternalId(e.currentTarget.value)}
        error={error?.issueFor('externalId')}
      />
      {create.error && !error?.issues.length && (
        <Alert color="red" role="alert">
          {create.error.message}
        </Alert>
      )}
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          Cancel
        </Button>
        <Button onClick={() => create.mutate()} loading={create.isPending}>
          Create mapping
        </Button>
      </Group>
    </Stack>
  );
}
