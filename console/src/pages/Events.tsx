import {
  Alert,
  Badge,
  Breadcrumbs,
  Checkbox,
  Group,
  Loader,
  NativeSelect,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok } from '../api/client';
import { formatTime } from '../components/labels';

/** Integration events (what went wrong and what to do), filtered; each can be marked actioned (or not again). */
export function Events() {
  const queryClient = useQueryClient();
  const [integrationId, setIntegrationId] = useState(
    new URLSearchParams(window.location.search).get('integrationId') ?? '',
  );
  const [shown, setShown] = useState<'open' | 'actioned' | 'all'>('open');
  const integrations = useQuery({
    queryKey: ['integrations'],
    queryFn: async () => ok(await api.GET('/integrations', { params: { query: { limit: 500 } } })),
  });
  const events = useQuery({
    queryKey: ['events', integrationId, shown],
    refetchInterval: 5000,
    queryFn: async () =>
      ok(
        await api.GET('/integration-events', {
          params: {
            query: {
              limit: 200,
              ...(integrationId ? { integrationId } : {}),
              ...(shown === 'all' ? {} : { actioned: shown === 'actioned' ? 'true' : 'false' }),
            },
          },
        }),
      ).data,
  });
  const action = useMutation({
    mutationFn: async (e: { id: string; actioned: boolean }) =>
      ok(
        await api.POST('/integration-events/{id}/action', {
          params: { path: { id: e.id } },
          body: { actioned: e.actioned },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['events'] }),
  });
  const names = new Map((integrations.data?.data ?? []).map((i) => [i.id, i.name]));
  return (
    <Stack>
      <Breadcrumbs aria-label="Breadcrumb">
        <Text>Integrations</Text>
        <Text>QuickBooks</Text>
        <Text fw={600}>Events</Text>
      </Breadcrumbs>
      <Title order={2}>Events</Title>
      <Group align="flex-end">
        <NativeSelect
          label="Integration"
          value={integrationId}
          onChange={(e) => setIntegrationId(e.currentTarget.value)}
          data={[
            { value: '', label: 'All integrations' },
            ...[...names].map(([value, label]) => ({ value, label })),
          ]}
        />
        <NativeSelect
          label="Show"
          value={shown}
          onChange={(e) => setShown(e.currentTarget.value as typeof shown)}
          data={[
            { value: 'open', label: 'Not actioned' },
            { value: 'actioned', label: 'Actioned' },
            { value: 'all', label: 'All' },
          ]}
        />
      </Group>
      {events.isPending && <Loader aria-label="Loading events" />}
      {events.data && events.data.length === 0 && <Text c="dimmed">No events match.</Text>}
      {events.data && events.data.length > 0 && (
        <Table.ScrollContainer minWidth={800}>
          <Table striped aria-label="Events">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Integration</Table.Th>
                <Table.Th>Event</Table.Th>
                <Table.Th>What to do</Table.Th>
                <Table.Th>Actioned</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {events.data.map((e) => (
                <Table.Tr key={e.id}>
                  <Table.Td>{formatTime(e.createdAt)}</Table.Td>
                  <Table.Td>{names.get(e.integrationId) ?? e.integrationId}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={e.eventType.endsWith('.error') ? 'red' : 'blue'}>
                      {e.eventType}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{e.message}</Text>
                    {e.billId && (
                      <Text size="xs" c="dimmed">
                        bill {e.billId}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Checkbox
                      aria-label={`Actioned: ${e.message}`}
                      checked={e.actioned}
                      onChange={(ev) => action.mutate({ id: e.id, actioned: ev.currentTarget.checked })}
                    />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {action.error && (
        <Alert color="red" role="alert">
          {action.error.message}
        </Alert>
      )}
    </Stack>
  );
}
