import {
  Alert,
  Badge,
  Breadcrumbs,
  Button,
  Group,
  Loader,
  NumberInput,
  Paper,
  Progress,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { api, ok } from '../api/client';
import { formatTime } from '../components/labels';
import { Link } from '../router';

function monthStart(offset: number): string {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1)).toISOString().slice(0, 10);
}

/** An integration's backfills (progress refreshed live) and its missed-webhook sweep. */
export function BackfillPage({ id }: { id: string }) {
  const integration = useQuery({
    queryKey: ['integrations', id],
    queryFn: async () => ok(await api.GET('/integrations/{id}', { params: { path: { id } } })),
  });
  return (
    <Stack>
      <Breadcrumbs aria-label="Breadcrumb">
        <Link to="/">Configurations</Link>
        <Link to={`/integrations/${encodeURIComponent(id)}`}>{integration.data?.name ?? id}</Link>
        <Text fw={600}>Backfill and sweep</Text>
      </Breadcrumbs>
      <Title order={2}>Backfill and sweep</Title>
      <Backfills id={id} />
      <Sweep id={id} />
    </Stack>
  );
}

function Backfills({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const [from, setFrom] = useState(monthStart(-1));
  const [to, setTo] = useState(monthStart(0));
  const backfills = useQuery({
    queryKey: ['backfills', id],
    refetchInterval: (q) => (q.state.data?.some((b) => b.status === 'RUNNING') ? 1000 : false),
    queryFn: async () => ok(await api.GET('/integrations/{id}/backfills', { params: { path: { id } } })).data,
  });
  const start = useMutation({
    mutationFn: async () =>
      ok(await api.POST('/integrations/{id}/backfill', { params: { path: { id } }, body: { from, to } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['backfills', id] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    start.mutate();
  };
  return (
    <Paper withBorder p="md">
      <Stack>
        <Title order={3}>Backfill</Title>
        <Text size="sm" c="dimmed">
          Sync every bill m3ter has dated in a range; bills already sent and unchanged are skipped.
        </Text>
        <form onSubmit={submit} aria-label="Start backfill">
          <Group align="flex-end">
            <TextInput
              type="date"
              label="Backfill from (inclusive)"
              value={from}
              onChange={(e) => setFrom(e.currentTarget.value)}
              required
            />
            <TextInput
              type="date"
              label="Backfill to (exclusive)"
              value={to}
              onChange={(e) => setTo(e.currentTarget.value)}
              required
            />
            <Button type="submit" loading={start.isPending}>
              Start backfill
            </Button>
          </Group>
        </form>
        {start.error && (
          <Alert color="red" role="alert">
            {start.error.message}
          </Alert>
        )}
        {backfills.isPending && <Loader aria-label="Loading backfills" />}
        {backfills.data && backfills.data.length === 0 && <Text c="dimmed">No backfill yet.</Text>}
        {backfills.data && backfills.data.length > 0 && (
          <Table striped aria-label="Backfills">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Started</Table.Th>
                <Table.Th>Bill dates</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Progress</Table.Th>
                <Table.Th>Found</Table.Th>
                <Table.Th>Started syncs</Table.Th>
                <Table.Th>Complete</Table.Th>
                <Table.Th>Skipped</Table.Th>
                <Table.Th>Failed</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {backfills.data.map((b) => {
                const done = b.progress.complete + b.progress.skipped + b.progress.failed;
                const pct = b.progress.found ? Math.round((100 * done) / b.progress.found) : 0;
                return (
                  <Table.Tr key={b.id} data-backfill-id={b.id}>
                    <Table.Td>{formatTime(b.createdAt)}</Table.Td>
                    <Table.Td>
                      {b.from} → {b.to}
                    </Table.Td>
                    <Table.Td>
                      <Badge
                        color={b.status === 'COMPLETE' ? 'teal' : b.status === 'FAILED' ? 'red' : 'blue'}
                      >
                        {b.status}
                      </Badge>
                      {b.error && (
                        <Text size="xs" c="red">
                          {b.error}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td miw={120}>
                      <Progress value={b.status === 'COMPLETE' ? 100 : pct} aria-label={`Progress ${pct}%`} />
                    </Table.Td>
                    <Table.Td>{b.progress.found}</Table.Td>
                    <Table.Td>{b.progress.started}</Table.Td>
                    <Table.Td>{b.progress.complete}</Table.Td>
                    <Table.Td>{b.progress.skipped}</Table.Td>
                    <Table.Td>{b.progress.failed}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Paper>
  );
}

function Sweep({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const sweep = useQuery({
    queryKey: ['sweep', id],
    refetchInterval: 5000,
    queryFn: async () => ok(await api.GET('/integrations/{id}/sweep', { params: { path: { id } } })),
  });
  const [interval, setInterval] = useState<number | string>('');
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    if (sweep.data && interval === '') setInterval(sweep.data.intervalMinutes);
  }, [sweep.data, interval]);
  const change = useMutation({
    mutationFn: async (body: { intervalMinutes?: number; paused?: boolean }) =>
      ok(await api.PUT('/integrations/{id}/sweep', { params: { path: { id } }, body })),
    onSuccess: (data) => {
      queryClient.setQueryData(['sweep', id], data);
      setNotice(
        data.paused ? 'The sweep is paused.' : `The sweep runs every ${data.intervalMinutes} minutes.`,
      );
    },
  });
  const trigger = useMutation({
    mutationFn: async () =>
      ok(await api.POST('/integrations/{id}/sweep/trigger', { params: { path: { id } } })),
    onSuccess: () => {
      setNotice('A sweep was started.');
      void queryClient.invalidateQueries({ queryKey: ['sweep', id] });
    },
  });
  const error = sweep.error ?? change.error ?? trigger.error;
  return (
    <Paper withBorder p="md" aria-label="Missed-webhook sweep">
      <Stack>
        <Title order={3}>Missed-webhook sweep</Title>
        <Text size="sm" c="dimmed">
          Lists recent bills in m3ter on a schedule and syncs those no webhook brought.
        </Text>
        {sweep.isPending && <Loader aria-label="Loading the sweep" />}
        {sweep.data && (
          <>
            <Group>
              <Badge color={sweep.data.paused ? 'gray' : 'teal'}>
                {sweep.data.paused ? 'Paused' : 'Active'}
              </Badge>
              <Text size="sm">
                Every {sweep.data.intervalMinutes} minutes
                {sweep.data.nextRunAt && !sweep.data.paused
                  ? ` · next ${formatTime(sweep.data.nextRunAt)}`
                  : ''}
              </Text>
              <Text size="xs" c="dimmed">
                Schedule {sweep.data.scheduleId}
              </Text>
            </Group>
            <Group align="flex-end">
              <NumberInput
                label="Interval (minutes)"
                min={1}
                max={1440}
                value={interval}
                onChange={setInterval}
                w={160}
              />
              <Button
                variant="default"
                loading={change.isPending && change.variables.intervalMinutes !== undefined}
                onClick={() => typeof interval === 'number' && change.mutate({ intervalMinutes: interval })}
              >
                Save interval
              </Button>
              <Button
                variant="default"
                loading={change.isPending && change.variables.paused !== undefined}
                onClick={() => change.mutate({ paused: !sweep.data.paused })}
              >
                {sweep.data.paused ? 'Resume sweep' : 'Pause sweep'}
              </Button>
              <Button loading={trigger.isPending} onClick={() => trigger.mutate()}>
                Run sweep now
              </Button>
            </Group>
            {sweep.data.recent.length === 0 ? (
              <Text c="dimmed">No sweep has run yet.</Text>
            ) : (
              <Table aria-label="Recent sweeps">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Started</Table.Th>
                    <Table.Th>Finished</Table.Th>
                    <Table.Th>Bills listed</Table.Th>
                    <Table.Th>Syncs requested</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {sweep.data.recent.map((s) => (
                    <Table.Tr key={s.id}>
                      <Table.Td>{formatTime(s.startedAt)}</Table.Td>
                      <Table.Td>{formatTime(s.finishedAt)}</Table.Td>
                      <Table.Td>{s.listed}</Table.Td>
                      <Table.Td>{s.requested}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </>
        )}
        {notice && (
          <Alert color="teal" role="status" withCloseButton onClose={() => setNotice(null)}>
            {notice}
          </Alert>
        )}
        {error && (
          <Alert color="red" role="alert">
            {error.message}
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}
