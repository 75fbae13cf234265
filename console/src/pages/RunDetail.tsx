import {
  Alert,
  Anchor,
  Badge,
  Breadcrumbs,
  Button,
  Code,
  Group,
  Loader,
  Paper,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { api, ok, type Schemas } from '../api/client';
import { formatTime } from '../components/labels';
import { Link, navigate } from '../router';
import { STATUS_COLORS } from './Runs';

type Run = Schemas['IntegrationRun'];

/** The parts of a run's error the page shows (the API stores the sync failure as it was recorded). */
interface RunError {
  code?: string;
  message?: string;
  quickBooks?: {
    kind?: string;
    httpStatus?: number;
    code?: string;
    element?: string;
    detail?: string;
    intuitTid?: string;
  };
}

function runError(error: unknown): RunError | null {
  if (!error || typeof error !== 'object') return null;
  return error as RunError;
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group gap="xs" wrap="nowrap" align="flex-start">
      <Text size="sm" c="dimmed" w={170}>
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </Group>
  );
}

/** One run: its status history (every run of the bill), the QuickBooks document, the error, warnings, batch, workflow; Replay. */
export function RunDetail({ id }: { id: string }) {
  const run = useQuery({
    queryKey: ['runs', 'one', id],
    refetchInterval: (q) => (q.state.data && q.state.data.completedAt ? false : 2000),
    queryFn: async () => ok(await api.GET('/integration-runs/{id}', { params: { path: { id } } })),
  });
  const integrationId = run.data?.integrationId;
  const billId = run.data?.billId;
  const history = useQuery({
    queryKey: ['runs', 'bill', integrationId, billId],
    enabled: Boolean(integrationId && billId),
    refetchInterval: 2000,
    queryFn: async () =>
      ok(
        await api.GET('/integration-runs', {
          params: { query: { integrationId, billId, limit: 100 } },
        }),
      ).data,
  });
  const integration = useQuery({
    queryKey: ['integrations', integrationId],
    enabled: Boolean(integrationId),
    queryFn: async () =>
      ok(await api.GET('/integrations/{id}', { params: { path: { id: integrationId ?? '' } } })),
  });
  const replay = useMutation({
    mutationFn: async () => ok(await api.POST('/integration-runs/{id}/replay', { params: { path: { id } } })),
    onSuccess: (r) => navigate(`/runs/${r.runId}`),
  });

  if (run.isPending) return <Loader aria-label="Loading run" />;
  if (run.error)
    return (
      <Alert color="red" role="alert">
        {run.error.message}
      </Alert>
    );
  const r: Run = run.data;
  const error = runError(r.error);
  const qb = error?.quickBooks;
  return (
    <Stack>
      <Breadcrumbs aria-label="Breadcrumb">
        <Link to="/runs">Runs</Link>
        <Text fw={600}>Run {r.id}</Text>
      </Breadcrumbs>
      <Group justify="space-between">
        <Group>
          <Title order={2}>Run</Title>
          <Badge size="lg" color={STATUS_COLORS[r.status]}>
            {r.status}
          </Badge>
        </Group>
        <Button onClick={() => replay.mutate()} loading={replay.isPending}>
          Replay
        </Button>
      </Group>
      {replay.error && (
        <Alert color="red" role="alert">
          {replay.error.message}
        </Alert>
      )}
      <Paper withBorder p="md" component="section" aria-label="Run details">
        <Stack gap={6}>
          <Fact label="Run ID">{r.id}</Fact>
          <Fact label="Integration">
            <Link to={`/integrations/${r.integrationId}`}>{integration.data?.name ?? r.integrationId}</Link>
          </Fact>
          <Fact label="Bill">
            {r.billId}
            {r.billVersion !== null ? ` (version ${r.billVersion})` : ''}
          </Fact>
          <Fact label="Account">{r.accountId ?? '—'}</Fact>
          <Fact label="Trigger">{r.trigger}</Fact>
          <Fact label="Started">{formatTime(r.startedAt)}</Fact>
          <Fact label="Completed">{r.completedAt ? formatTime(r.completedAt) : 'not yet'}</Fact>
          <Fact label="QuickBooks document">
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
          </Fact>
          <Fact label="Batch">
            {r.batch
              ? `sent in QuickBooks batch ${r.batch.requestId} (${r.batch.size} writes)`
              : r.externalId
                ? 'sent alone'
                : '—'}
          </Fact>
          <Fact label="Workflow">
            {r.temporalUrl ? (
              <Anchor href={r.temporalUrl} target="_blank" rel="noreferrer">
                Workflow in Temporal
              </Anchor>
            ) : (
              r.workflowId
            )}
          </Fact>
          {r.replayedFromRunId && (
            <Fact label="Replay of">
              <Link to={`/runs/${r.replayedFromRunId}`}>{r.replayedFromRunId}</Link>
            </Fact>
          )}
          {r.message && <Fact label="Message">{r.message}</Fact>}
        </Stack>
      </Paper>
      {error && (
        <Paper withBorder p="md" component="section" aria-label="Error">
          <Stack gap={6}>
            <Title order={3} size="h4" c="red">
              Error
            </Title>
            {error.code && <Fact label="Code">{error.code}</Fact>}
            {error.message && <Fact label="Message">{error.message}</Fact>}
            {qb?.code && <Fact label="QuickBooks code">{qb.code}</Fact>}
            {qb?.element && <Fact label="QuickBooks element">{qb.element}</Fact>}
            {qb?.detail && <Fact label="QuickBooks detail">{qb.detail}</Fact>}
            {qb?.httpStatus !== undefined && <Fact label="HTTP status">{qb.httpStatus}</Fact>}
            {qb?.intuitTid && (
              <Fact label="intuit_tid">
                <Code>{qb.intuitTid}</Code>
              </Fact>
            )}
          </Stack>
        </Paper>
      )}
      {r.warnings.length > 0 && (
        <Paper withBorder p="md" component="section" aria-label="Warnings">
          <Title order={3} size="h4">
            Warnings
          </Title>
          {r.warnings.map((w) => (
            <Text size="sm" c="orange" key={w}>
              {w}
            </Text>
          ))}
        </Paper>
      )}
      <Paper withBorder p="md" component="section" aria-label="Status history">
        <Title order={3} size="h4">
          Status history
        </Title>
        <Text size="sm" c="dimmed">
          Every run of this bill for this integration, newest first.
        </Text>
        {history.isPending && <Loader size="sm" aria-label="Loading status history" />}
        {history.data && (
          <Table aria-label="Status history">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Started</Table.Th>
                <Table.Th>Completed</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Trigger</Table.Th>
                <Table.Th>Run</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {history.data.map((h) => (
                <Table.Tr key={h.id} fw={h.id === r.id ? 700 : undefined}>
                  <Table.Td>{formatTime(h.startedAt)}</Table.Td>
                  <Table.Td>{formatTime(h.completedAt)}</Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLORS[h.status]}>{h.status}</Badge>
                  </Table.Td>
                  <Table.Td>{h.trigger}</Table.Td>
                  <Table.Td>{h.id === r.id ? 'this run' : <Link to={`/runs/${h.id}`}>{h.id}</Link>}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Paper>
    </Stack>
  );
}
