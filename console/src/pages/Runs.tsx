import {
  Alert,
  Anchor,
  Badge,
  Breadcrumbs,
  Button,
  Group,
  Loader,
  Modal,
  NativeSelect,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok, type Schemas } from '../api/client';
import { formatTime } from '../components/labels';
import { Link } from '../router';

type Run = Schemas['IntegrationRun'];
type Status = Run['status'];
/** Every run status (the record's keys must be exactly the API's enum). */
export const STATUS_COLORS: Record<Status, string> = {
  WAITING: 'blue',
  STARTED: 'blue',
  COMPLETE: 'teal',
  SKIPPED: 'gray',
  ERROR: 'red',
  AWAITING_RETRY: 'yellow',
  RATE_LIMIT_RETRY: 'yellow',
  AUTH_FAILED: 'red',
  ACCOUNTING_PERIOD_CLOSED: 'red',
  INVOICE_ALREADY_PAID: 'orange',
  DISABLED: 'gray',
  TIMEOUT_LIMIT_EXCEEDED: 'red',
};

/** A `datetime-local` value (the browser's time zone) as an instant, or undefined when empty. */
function instant(local: string): string | undefined {
  return local ? new Date(local).toISOString() : undefined;
}

/** Runs, newest first, refreshed every 2 s; filter by integration, status, bill and time; Replay; bulk replay. */
export function Runs() {
  const queryClient = useQueryClient();
  const params = new URLSearchParams(window.location.search);
  const [integrationId, setIntegrationId] = useState(params.get('integrationId') ?? '');
  const [status, setStatus] = useState('');
  // The Temporal Web UI links here with the bill's workflow's integration and bill.
  const [billId, setBillId] = useState(params.get('billId') ?? '');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [bulk, setBulk] = useState<{ matched: number } | null>(null);
  const integrations = useQuery({
    queryKey: ['integrations'],
    queryFn: async () => ok(await api.GET('/integrations', { params: { query: { limit: 500 } } })),
  });
  const runs = useQuery({
    queryKey: ['runs', integrationId, status, billId.trim(), from, to],
    refetchInterval: 2000,
    // While a changed filter loads, the table keeps the rows it shows instead of flashing empty.
    placeholderData: keepPreviousData,
    queryFn: async () =>
      ok(
        await api.GET('/integration-runs', {
          params: {
            query: {
              limit: 100,
              ...(integrationId ? { integrationId } : {}),
              ...(status ? { status } : {}),
              ...(billId.trim() ? { billId: billId.trim() } : {}),
              ...(from ? { from: instant(from) } : {}),
              ...(to ? { to: instant(to) } : {}),
            },
          },
        }),
      ).data,
  });
  const replay = useMutation({
    mutationFn: async (id: string) =>
      ok(await api.POST('/integration-runs/{id}/replay', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['runs'] }),
  });
  /** The bulk replay's filter: the chosen status (else the failures), the time range. */
  const bulkBody = (dryRun: boolean) => ({
    ...(status ? { statuses: [status as Status] } : {}),
    ...(from ? { from: instant(from) } : {}),
    ...(to ? { to: instant(to) } : {}),
    dryRun,
  });
  const count = useMutation({
    mutationFn: async () =>
      ok(
        await api.POST('/integrations/{id}/replay', {
          params: { path: { id: integrationId } },
          body: bulkBody(true),
        }),
      ),
    onSuccess: (r) => setBulk({ matched: r.matched }),
  });
  const replayAll = useMutation({
    mutationFn: async () =>
      ok(
        await api.POST('/integrations/{id}/replay', {
          params: { path: { id: integrationId } },
          body: bulkBody(false),
        }),
      ),
    onSuccess: async () => {
      setBulk(null);
      await queryClient.invalidateQueries({ queryKey: ['runs'] });
    },
  });
  const names = new Map((integrations.data?.data ?? []).map((i) => [i.id, i.name]));
  return (
    <Stack>
      <Breadcrumbs aria-label="Breadcrumb">
        <Text>Integrations</Text>
        <Text>QuickBooks</Text>
        <Text fw={600}>Runs</Text>
      </Breadcrumbs>
      <Title order={2}>Runs</Title>
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
          label="Status"
          value={status}
          onChange={(e) => setStatus(e.currentTarget.value)}
          data={[{ value: '', label: 'Any status' }, ...Object.keys(STATUS_COLORS)]}
        />
        <TextInput label="Bill ID" value={billId} onChange={(e) => setBillId(e.currentTarget.value)} />
        <TextInput
          label="Started from"
          type="datetime-local"
          value={from}
          onChange={(e) => setFrom(e.currentTarget.value)}
        />
        <TextInput
          label="Started before"
          type="datetime-local"
          value={to}
          onChange={(e) => setTo(e.currentTarget.value)}
        />
        <Button
          variant="default"
          disabled={!integrationId}
          title={integrationId ? undefined : 'Choose an integration first'}
          loading={count.isPending}
          onClick={() => count.mutate()}
        >
          Replay matching runs
        </Button>
      </Group>
      {count.error && (
        <Alert color="red" role="alert">
          {count.error.message}
        </Alert>
      )}
      <Modal opened={bulk !== null} onClose={() => setBulk(null)} title="Replay matching runs">
        {bulk && (
          <Stack>
            <Text>
              {bulk.matched === 0
                ? 'No run matches: nothing to replay.'
                : `This replays ${bulk.matched} ${bulk.matched === 1 ? 'run' : 'runs'}: the latest run of each bill of ${names.get(integrationId) ?? integrationId} with ${status ? `status ${status}` : 'a failed status (ERROR, AUTH_FAILED, TIMEOUT_LIMIT_EXCEEDED, DISABLED)'}${from || to ? ' in the time range' : ''}.`}
            </Text>
            {replayAll.error && (
              <Alert color="red" role="alert">
                {replayAll.error.message}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setBulk(null)}>
                Cancel
              </Button>
              <Button
                disabled={bulk.matched === 0}
                loading={replayAll.isPending}
                onClick={() => replayAll.mutate()}
              >
                Replay {bulk.matched} {bulk.matched === 1 ? 'run' : 'runs'}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
      {replayAll.data && (
        <Alert color="teal" role="status">
          Replayed {replayAll.data.replayed} {replayAll.data.replayed === 1 ? 'run' : 'runs'}.
        </Alert>
      )}
      {runs.isPending && <Loader aria-label="Loading runs" />}
      {runs.data && runs.data.length === 0 && <Text c="dimmed">No runs match.</Text>}
      {runs.data && runs.data.length > 0 && (
        <Table.ScrollContainer minWidth={900}>
          <Table striped aria-label="Runs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Started</Table.Th>
                <Table.Th>Integration</Table.Th>
                <Table.Th>Bill</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>QuickBooks document</Table.Th>
                <Table.Th>Details</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {runs.data.map((r) => (
                <Table.Tr key={r.id} data-run-id={r.id}>
                  <Table.Td>
                    <Link to={`/runs/${r.id}`}>{formatTime(r.startedAt)}</Link>
                  </Table.Td>
                  <Table.Td>{names.get(r.integrationId) ?? r.integrationId}</Table.Td>
                  <Table.Td>{r.billId}</Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLORS[r.status]}>{r.status}</Badge>
                  </Table.Td>
                  <Table.Td>
                    {r.externalId ? (
                      r.url ? (
                        <Anchor href={r.url} target="_blank" rel="noreferrer">
                          {r.externalType} {r.externalId}
                        </Anchor>
                      ) : (
                        `${r.externalType ?? ''} ${r.externalId}`
                      )
                    ) : (
                      '—'
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Stack gap={2}>
                      {r.message && <Text size="sm">{r.message}</Text>}
                      {r.warnings.map((w) => (
                        <Text size="sm" c="orange" key={w}>
                          {w}
                        </Text>
                      ))}
                      {r.replayedFromRunId && (
                        <Text size="xs" c="dimmed">
                          replay of {r.replayedFromRunId}
                        </Text>
                      )}
                      {r.temporalUrl && (
                        <Anchor size="sm" href={r.temporalUrl} target="_blank" rel="noreferrer">
                          Workflow in Temporal
                        </Anchor>
                      )}
                    </Stack>
                  </Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="default"
                      onClick={() => replay.mutate(r.id)}
                      aria-label={`Replay run ${r.id}`}
                    >
                      Replay
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {replay.error && (
        <Alert color="red" role="alert">
          {replay.error.message}
        </Alert>
      )}
    </Stack>
  );
}
