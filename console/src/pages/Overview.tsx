import { Alert, Badge, Group, Loader, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api, ok, type Integration, type Schemas } from '../api/client';
import { formatTime } from '../components/labels';
import { Link } from '../router';

type Overview = Schemas['IntegrationOverview'];

const STATUS_COLORS: Record<string, string> = {
  COMPLETE: '#2f9e44',
  ERROR: '#e03131',
  WAITING: '#868e96',
  RUNNING: '#1c7ed6',
  AUTH_FAILED: '#f08c00',
  TIMEOUT_LIMIT_EXCEEDED: '#9c36b5',
  DISABLED: '#495057',
};

function seconds(ms: number | null): string {
  return ms === null ? '—' : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Every integration: runs per day by status (last 30 days), latency, and what needs action now. */
export function OverviewPage() {
  const list = useQuery({
    queryKey: ['integrations', 'list'],
    queryFn: async () => ok(await api.GET('/integrations', { params: { query: { limit: 500 } } })),
  });
  return (
    <Stack>
      <Title order={2}>Overview</Title>
      <Text size="sm" c="dimmed">
        Runs started per UTC day over the last 30 days, by status. Latency is bill to document: from the run's
        creation (when the bill's event arrives) to its COMPLETE, over the window's completed runs.{' '}
        <Link to="/">All configurations</Link>
      </Text>
      {list.isPending && <Loader aria-label="Loading the integrations" />}
      {list.error && (
        <Alert color="red" role="alert">
          The integrations could not be read: {list.error.message}
        </Alert>
      )}
      {list.data?.data.length === 0 && (
        <Text>
          No integration yet. <Link to="/integrations/new">Create one</Link>
        </Text>
      )}
      {list.data?.data.map((i) => (
        <IntegrationOverviewCard key={i.id} integration={i} />
      ))}
    </Stack>
  );
}

function IntegrationOverviewCard({ integration }: { integration: Integration }) {
  const overview = useQuery({
    queryKey: ['integrations', integration.id, 'overview'],
    queryFn: async () =>
      ok(
        await api.GET('/integrations/{id}/overview', {
          params: { path: { id: integration.id }, query: { days: 30 } },
        }),
      ),
  });
  return (
    <Paper withBorder p="md" component="section" aria-label={`Overview of ${integration.name}`}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap">
          <Title order={3} size="h4">
            <Link to={`/integrations/${encodeURIComponent(integration.id)}`}>{integration.name}</Link>
          </Title>
        </Group>
        {overview.isPending && (
          <Loader size="sm" aria-label={`Loading the overview of ${integration.name}`} />
        )}
        {overview.error && (
          <Alert color="red" role="alert">
            The overview could not be read: {overview.error.message}
          </Alert>
        )}
        {overview.data && <OverviewBody o={overview.data} />}
      </Stack>
    </Paper>
  );
}

function OverviewBody({ o }: { o: Overview }) {
  const statuses = [...new Set(o.runsByDay.flatMap((d) => Object.keys(d.counts)))].sort();
  const rows = o.runsByDay.map((d) => ({ day: d.day.slice(5), ...d.counts }));
  const total = o.runsByDay.reduce((n, d) => n + d.total, 0);
  const na = o.needsAction;
  const id = encodeURIComponent(o.integrationId);
  return (
    <>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Stack gap={4} aria-label="Latency">
          <Text size="sm" fw={600}>
            Bill to document
          </Text>
          <Text size="sm" data-testid="latency">
            p50 {seconds(o.latency.p50Ms)} · p95 {seconds(o.latency.p95Ms)} ({o.latency.completedRuns}{' '}
            completed runs)
          </Text>
        </Stack>
        <Stack gap={4} aria-label="Needs action">
          <Text size="sm" fw={600}>
            Needs action now
          </Text>
          <Group gap="xs" wrap="wrap">
            {na.autoDisabled && (
              <Badge color="red" title={na.disabledReason ?? undefined}>
                Auto-disabled {formatTime(na.disabledAt)}
              </Badge>
            )}
            {!na.enabled && !na.autoDisabled && <Badge color="gray">Disabled</Badge>}
            <Badge color={na.unactionedEvents ? 'orange' : 'gray'} variant="light">
              {na.unactionedEvents} unactioned events
            </Badge>
            <Badge color={na.runsInError ? 'red' : 'gray'} variant="light">
              {na.runsInError} runs in ERROR
            </Badge>
            {na.credential?.needsAttention && (
              <Badge color="orange">
                Credential {na.credential.status.toLowerCase()}
                {na.credential.expiresAt ? `, expires ${formatTime(na.credential.expiresAt)}` : ''}
              </Badge>
            )}
          </Group>
          <Group gap="sm">
            <Link to={`/events?integrationId=${id}&actioned=false`}>Events</Link>
            <Link to={`/runs?integrationId=${id}&status=ERROR`}>Runs in error</Link>
          </Group>
        </Stack>
      </SimpleGrid>
      <Text size="sm" data-testid="runs-total">
        {total} runs in the last {o.days} days
      </Text>
      {total === 0 ? (
        <Text size="sm" c="dimmed">
          No run in the window.
        </Text>
      ) : (
        <div style={{ width: '100%', height: 220 }} role="img" aria-label={`Runs per day, ${o.name}`}>
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={rows} margin={{ top: 4, right: 8, left: -16, bottom: 0 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="day" fontSize={11} />
              <YAxis allowDecimals={false} fontSize={11} />
              <Tooltip />
              <Legend />
              {statuses.map((s) => (
                <Bar
                  key={s}
                  dataKey={s}
                  stackId="runs"
                  fill={STATUS_COLORS[s] ?? '#adb5bd'}
                  isAnimationActive={false}
                />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
      <details>
        <summary>
          <Text component="span" size="sm">
            Counts per day
          </Text>
        </summary>
        <Table data-testid="runs-by-day" fz="sm">
          <Table.Tbody>
            {o.runsByDay
              .filter((d) => d.total > 0)
              .map((d) => (
                <Table.Tr key={d.day} data-day={d.day}>
                  <Table.Td>{d.day}</Table.Td>
                  <Table.Td>
                    {Object.entries(d.counts)
                      .map(([s, n]) => `${s} ${n}`)
                      .join(', ')}
                  </Table.Td>
                </Table.Tr>
              ))}
          </Table.Tbody>
        </Table>
      </details>
    </>
  );
}
