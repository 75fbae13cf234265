import {
  Alert,
  Badge,
  Breadcrumbs,
  Button,
  Group,
  Loader,
  NativeSelect,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, api, ok, type Schemas } from '../api/client';
import { DESTINATION_LABELS, formatTime } from '../components/labels';

type Credential = Schemas['Credential'];
const WARN_DAYS = 14;

/** QuickBooks credentials: status and expiry, create, Connect to QuickBooks (Intuit's consent and back), revoke. */
export function Credentials() {
  const queryClient = useQueryClient();
  const list = useQuery({
    queryKey: ['credentials'],
    queryFn: async () => ok(await api.GET('/credentials', { params: { query: { limit: 500 } } })).data,
  });
  const connect = useMutation({
    mutationFn: async (id: string) =>
      ok(
        await api.GET('/credentials/{id}/connect', {
          params: { path: { id } },
          headers: { Accept: 'application/json' },
        }),
      ),
    // Intuit's consent page; its callback links back here.
    onSuccess: (started) => window.location.assign(started.authorizeUrl),
  });
  const revoke = useMutation({
    mutationFn: async (id: string) =>
      ok(await api.POST('/credentials/{id}/disconnect', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['credentials'] }),
  });
  return (
    <Stack>
      <Breadcrumbs aria-label="Breadcrumb">
        <Text>Integrations</Text>
        <Text>QuickBooks</Text>
        <Text fw={600}>Credentials</Text>
      </Breadcrumbs>
      <Title order={2}>Credentials</Title>
      <CreateCredential />
      {list.isPending && <Loader aria-label="Loading credentials" />}
      {list.data && list.data.length === 0 && <Text c="dimmed">No credentials yet.</Text>}
      {list.data && list.data.length > 0 && (
        <Table.ScrollContainer minWidth={760}>
          <Table striped aria-label="Credentials">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Destination</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Company</Table.Th>
                <Table.Th>Connection expires</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td>{c.name}</Table.Td>
                  <Table.Td>{DESTINATION_LABELS[c.destination]}</Table.Td>
                  <Table.Td>
                    <Badge
                      color={
                        c.status === 'AUTHORIZED'
                          ? 'teal'
                          : c.status === 'PENDING_AUTHORIZATION'
                            ? 'gray'
                            : 'red'
                      }
                    >
                      {c.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{c.realmId ?? '—'}</Table.Td>
                  <Table.Td>
                    <Expiry credential={c} />
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Button
                        size="xs"
                        onClick={() => connect.mutate(c.id)}
                        loading={connect.isPending && connect.variables === c.id}
                      >
                        {c.status === 'AUTHORIZED' ? 'Reconnect' : 'Connect to QuickBooks'}
                      </Button>
                      {c.hasTokens && (
                        <Button size="xs" variant="default" color="red" onClick={() => revoke.mutate(c.id)}>
                          Revoke
                        </Button>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {(connect.error ?? revoke.error) && (
        <Alert color="red" role="alert">
          {(connect.error ?? revoke.error)?.message}
        </Alert>
      )}
    </Stack>
  );
}

function Expiry({ credential: c }: { credential: Credential }) {
  const ends = [c.refreshTokenExpiresAt, c.refreshTokenHardExpiresAt].filter((d): d is string => d !== null);
  if (ends.length === 0)
    return (
      <Text size="sm" c="dimmed">
        —
      </Text>
    );
  const first = ends.reduce((a, b) => (Date.parse(a) < Date.parse(b) ? a : b));
  const days = Math.floor((Date.parse(first) - Date.now()) / 86_400_000);
  return (
    <Text size="sm" c={days < WARN_DAYS ? 'orange' : undefined}>
      {formatTime(first)}
      {days < WARN_DAYS ? ` (in ${Math.max(days, 0)} days: reconnect)` : ''}
    </Text>
  );
}

function CreateCredential() {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [destination, setDestination] = useState<Credential['destination']>('QuickBooks');
  const create = useMutation({
    mutationFn: async () => ok(await api.POST('/credentials', { body: { name, destination } })),
    onSuccess: async () => {
      setName('');
      await queryClient.invalidateQueries({ queryKey: ['credentials'] });
    },
  });
  const error = create.error instanceof ApiError ? create.error : undefined;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Paper withBorder p="md" component="section" aria-label="New credential">
      <form onSubmit={submit} noValidate>
        <Group align="flex-end">
          <TextInput
            label="Credential name"
            description="e.g. the QuickBooks company it is for."
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={error?.issueFor('name')}
          />
          <NativeSelect
            label="Credential destination"
            description="QuickBooks or its sandbox."
            value={destination}
            onChange={(e) => setDestination(e.currentTarget.value as Credential['destination'])}
            data={Object.entries(DESTINATION_LABELS).map(([value, label]) => ({ value, label }))}
          />
          <Button type="submit" loading={create.isPending}>
            Create credential
          </Button>
        </Group>
      </form>
    </Paper>
  );
}
