import {
  Alert,
  Badge,
  Breadcrumbs,
  Button,
  Checkbox,
  Group,
  Loader,
  NativeSelect,
  Paper,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok, type Schemas } from '../api/client';
import { formatTime } from '../components/labels';
import { QuickBooksSearch } from '../components/QuickBooksSearch';
import { Link, navigate } from '../router';

type IntegrationEvent = Schemas['IntegrationEvent'];
type EventType = IntegrationEvent['eventType'];

/** What to do about each kind of event, and where (the keys must be exactly the API's enum). */
const WHAT_TO_DO: Record<EventType, (e: IntegrationEvent) => { text: string; to?: string; link?: string }> = {
  'integration.missingaccountmapping.error': () => ({
    text: 'Map the account to a QuickBooks customer, then replay the bill (Fix does both).',
  }),
  'integration.authentication.error': () => ({
    text: 'Reconnect the QuickBooks credential, then replay the run.',
    to: '/credentials',
    link: 'Credentials',
  }),
  'integration.validation.error': (e) => ({
    text: 'Correct the data or settings named, then replay the run.',
    ...(e.runId ? { to: `/runs/${e.runId}`, link: 'Open the run' } : {}),
  }),
  'integration.perform.error': (e) => ({
    text: 'See the run for QuickBooks’ answer, then replay it.',
    ...(e.runId ? { to: `/runs/${e.runId}`, link: 'Open the run' } : {}),
  }),
  'integration.disabled.error': (e) => ({
    text: 'Fix the cause, enable the integration again and replay its failed runs.',
    to: `/integrations/${e.integrationId}`,
    link: 'Open the integration',
  }),
  'integration.quickbooks.document.changed': (e) => ({
    text: 'The document was changed in QuickBooks: check it, resync the bill if needed.',
    ...(e.runId ? { to: `/runs/${e.runId}`, link: 'Open the run' } : {}),
  }),
};

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
                    <WhatToDo event={e} />
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

function WhatToDo({ event: e }: { event: IntegrationEvent }) {
  const [fixing, setFixing] = useState(false);
  const todo = WHAT_TO_DO[e.eventType](e);
  const fixable = e.eventType === 'integration.missingaccountmapping.error' && e.runId && !e.actioned;
  return (
    <Stack gap={4} mt={4}>
      <Group gap="xs">
        <Text size="xs" fw={600}>
          {todo.text}
        </Text>
        {todo.to && <Link to={todo.to}>{todo.link}</Link>}
        {fixable && !fixing && (
          <Button size="compact-xs" onClick={() => setFixing(true)} aria-label={`Fix: ${e.message}`}>
            Fix
          </Button>
        )}
      </Group>
      {fixable && fixing && e.runId && (
        <MissingMappingFix event={e} runId={e.runId} onCancel={() => setFixing(false)} />
      )}
    </Stack>
  );
}

/** The one-click fix of a missing account mapping: map the account to a QuickBooks customer, replay, mark actioned. */
function MissingMappingFix({
  event: e,
  runId,
  onCancel,
}: {
  event: IntegrationEvent;
  runId: string;
  onCancel(): void;
}) {
  const queryClient = useQueryClient();
  const [customerId, setCustomerId] = useState<string | null>(null);
  const run = useQuery({
    queryKey: ['runs', 'one', runId],
    queryFn: async () => ok(await api.GET('/integration-runs/{id}', { params: { path: { id: runId } } })),
  });
  const integration = useQuery({
    queryKey: ['integrations', e.integrationId],
    queryFn: async () =>
      ok(await api.GET('/integrations/{id}', { params: { path: { id: e.integrationId } } })),
  });
  const fix = useMutation({
    mutationFn: async () => {
      const accountId = run.data?.accountId;
      if (!accountId || !integration.data || !customerId)
        throw new Error('Choose the QuickBooks customer first');
      ok(
        await api.POST('/external-mappings', {
          body: {
            m3terEntity: 'Account',
            m3terId: accountId,
            externalSystem: integration.data.destination,
            externalTable: 'Customer',
            externalId: customerId,
          },
        }),
      );
      const replayed = ok(
        await api.POST('/integration-runs/{id}/replay', { params: { path: { id: runId } } }),
      );
      ok(
        await api.POST('/integration-events/{id}/action', {
          params: { path: { id: e.id } },
          body: { actioned: true },
        }),
      );
      return replayed;
    },
    onSuccess: async (replayed) => {
      await queryClient.invalidateQueries({ queryKey: ['events'] });
      navigate(`/runs/${replayed.runId}`);
    },
  });
  if (run.isPending || integration.isPending) return <Loader size="sm" aria-label="Loading the fix" />;
  return (
    <Paper withBorder p="sm" component="section" aria-label="Fix the missing mapping">
      <Stack gap="xs">
        <Text size="sm">
          Map m3ter account <b>{run.data?.accountId ?? '?'}</b> to a QuickBooks customer, then replay bill{' '}
          {e.billId}.
        </Text>
        <QuickBooksSearch
          label="QuickBooks customer"
          integrationId={e.integrationId}
          table="Customer"
          value={customerId}
          onChange={setCustomerId}
        />
        {fix.error && (
          <Alert color="red" role="alert">
            {fix.error.message}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button size="xs" variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button size="xs" disabled={!customerId} loading={fix.isPending} onClick={() => fix.mutate()}>
            Create mapping and replay
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
