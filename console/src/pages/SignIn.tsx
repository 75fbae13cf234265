import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, api, ok, setCsrfToken } from '../api/client';
import { SESSION_KEY } from '../App';

/** The admin API key, exchanged for a session cookie; the key is kept nowhere in the browser. */
export function SignIn() {
  const queryClient = useQueryClient();
  const [apiKey, setApiKey] = useState('');
  const signIn = useMutation({
    mutationFn: async (key: string) => ok(await api.POST('/auth/session', { body: { apiKey: key } })),
    onSuccess: (session) => {
      setApiKey('');
      setCsrfToken(session.csrfToken);
      queryClient.setQueryData(SESSION_KEY, session);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (apiKey) signIn.mutate(apiKey);
  };
  const error = signIn.error;
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={420}>
        <form onSubmit={submit}>
          <Stack>
            <Title order={1} size="h3">
              Sign in
            </Title>
            <Text size="sm" c="dimmed">
              QuickBooks bill integration console. Sign in with the admin API key (ADMIN_API_KEY; under npm
              start it is in .data/secrets/admin-api.key).
            </Text>
            <PasswordInput
              label="API key"
              autoComplete="current-password"
              value={apiKey}
              onChange={(e) => setApiKey(e.currentTarget.value)}
              required
              data-autofocus
              autoFocus
            />
            {error && (
              <Alert color="red" role="alert" title="Not signed in">
                {error instanceof ApiError && error.status === 401
                  ? 'Wrong API key.'
                  : `Sign-in failed: ${error.message}`}
              </Alert>
            )}
            <Button type="submit" loading={signIn.isPending}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
