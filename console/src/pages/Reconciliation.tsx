import {
  Alert,
  Anchor,
  Badge,
  Breadcrumbs,
  Button,
  Checkbox,
  Group,
  Loader,
  Modal,
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
import { api, ok, type Schemas } from '../api/client';
import { formatTime } from '../components/labels';
import { Link } from '../router';

type Run = Schemas['ReconciliationRun'];
type Result = Schemas['ReconciliationResult'];
type Kind = Result['result'];
type Action = 'resync' | 'replay' | 'adopt';

/** Every result kind (the record's keys must be exactly the API's enum). */
export const RESULT_COLORS: Record<Kind, string> = {
  MATCHED: 'teal',
  MISSING: 'red',
  UNLINKED: 'orange',
  AMOUNT_DIFFERS: 'red',
  LINES_DIFFER: 'orange',
  CUSTOMER_DIFFERS: 'orange',
  EDITED_IN_QUICKBOOKS: 'orange',
  VOIDED: 'red',
  DELETED: 'red',
  PAID: 'gray',
  PARTLY_PAID: 'gray',
  NOT_EXPECTED: 'gray',
  SKIPPED_BY_SETTINGS: 'gray',
  ORPHANED: 'yellow',
};
const KINDS = Object.keys(RESULT_COLORS) as Kind[];

const RESYNCABLE = new Set<Kind>([
  'MISSING',
  'AMOUNT_DIFFERS',
  'LINES_DIFFER',
  'CUSTOMER_DIFFERS',
  'EDITED_IN_QUICKBOOKS',
  'DELETED',
  'VOIDED',
]);

/** The action one click away for a result (the API's own rule: resync for drift, adopt for UNLINKED). */
function actionFor(kind: Kind): Action | null {
  if (kind === 'UNLINKED') return 'adopt';
  return RESYNCABLE.has(kind) ? 'resync' : null;
}

const ACTION_LABELS: Record<Action, string> = { resync: 'Resync', replay: 'Replay', adopt: 'Adopt' };

/** Minor units to the cent, e.g. 10938 USD → "109.38 USD". */
export function money(minor: number | null | undefined, currency?: string | null): string {
  if (minor === null || minor === undefined) return '—';
  const sign = minor < 0 ? '−' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}${currency ? ` ${currency}` : ''}`;
}

function StatusBadge({ status }: { status: Run['status'] }) {
  const color = status === 'COMPLETE' ? 'teal' : status === 'FAILED' ? 'red' : 'blue';
  return <Badge color={color}>{status}</Badge>;
}

function totalDrift(run: Run): string {
  if (!run.summary) return '—';
  const entries = Object.entries(run.summary.amounts);
  if (entries.length === 0) return money(0);
  return entries.map(([cur, a]) => money(a.driftMinor, cur)).join(', ');
}

function counts(run: Run): string {
  if (!run.summary) return `${run.progress.checked} of ${run.progress.listed} checked`;
  return Object.entries(run.summary.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

function monthStart(offset: number): string {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1)).toISOString().slice(0, 10);
}

/** An integration's reconciliation runs (refreshed while one runs) and "Run reconciliation". */
export function Reconciliations({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const [from, setFrom] = useState(monthStart(-1));
  const [to, setTo] = useState(monthStart(0));
  const integration = useQuery({
    queryKey: ['integrations', id],
    queryFn: async () => ok(await api.GET('/integrations/{id}', { params: { path: { id } } })),
  });
  const runs = useQuery({
    queryKey: ['reconciliations', id],
    refetchInterval: (q) => (q.state.data?.some((r) => r.status === 'RUNNING') ? 1000 : false),
    queryFn: async () =>
      ok(await api.GET('/integrations/{id}/reconciliations', { params: { path: { id } } })).data,
  });
  const start = useMutation({
    mutationFn: async () =>
      ok(
        await api.POST('/integrations/{id}/reconciliations', {
          params: { path: { id } },
          body: { from, to },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['reconciliations', id] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    start.mutate();
  };
  return (
    <Stack>
      <Breadcrumbs aria-label="Breadcrumb">
        <Link to="/">Configurations</Link>
        <Link to={`/integrations/${encodeURIComponent(id)}`}>{integration.data?.name ?? id}</Link>
        <Text fw={600}>Reconciliation</Text>
      </Breadcrumbs>
      <Title order={2}>Reconciliation</Title>
      <Paper withBorder p="md">
        <form onSubmit={submit} aria-label="Run reconciliation">
          <Group align="flex-end">
            <TextInput
              type="date"
              label="Bill date from (inclusive)"
              value={from}
              onChange={(e) => setFrom(e.currentTarget.value)}
              required
            />
            <TextInput
              type="date"
              label="Bill date to (exclusive)"
              value={to}
              onChange={(e) => setTo(e.currentTarget.value)}
              required
            />
            <Button type="submit" loading={start.isPending}>
              Run reconciliation
            </Button>
          </Group>
        </form>
        {start.error && (
          <Alert color="red" role="alert" mt="sm">
            {start.error.message}
          </Alert>
        )}
      </Paper>
      {runs.isPending && <Loader aria-label="Loading reconciliations" />}
      {runs.data && runs.data.length === 0 && <Text c="dimmed">No reconciliation has run yet.</Text>}
      {runs.data && runs.data.length > 0 && (
        <Table striped aria-label="Reconciliation runs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Started</Table.Th>
              <Table.Th>Bill dates</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Bills</Table.Th>
              <Table.Th>Results</Table.Th>
              <Table.Th>Total drift</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {runs.data.map((r) => (
              <Table.Tr key={r.id} data-reconciliation-id={r.id}>
                <Table.Td>
                  <Link to={`/reconciliations/${encodeURIComponent(r.id)}`}>{formatTime(r.createdAt)}</Link>
                </Table.Td>
                <Table.Td>
                  {r.from} → {r.to}
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={r.status} />
                </Table.Td>
                <Table.Td>{r.summary?.bills ?? r.progress.listed}</Table.Td>
                <Table.Td>{counts(r)}</Table.Td>
                <Table.Td>{totalDrift(r)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

/** One run: its summary, its results filterable by kind, each fixable result's action, bulk actions, CSV. */
export function ReconciliationRunPage({ runId }: { runId: string }) {
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<Kind | ''>('');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulk, setBulk] = useState<{ action: Action; billIds: string[] } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const run = useQuery({
    queryKey: ['reconciliation', runId],
    refetchInterval: (q) => (q.state.data?.status === 'RUNNING' ? 1000 : false),
    queryFn: async () =>
      ok(await api.GET('/reconciliations/{id}', { params: { path: { id: runId }, query: {} } })),
  });
  const act = useMutation({
    mutationFn: async ({ billId, action }: { billId: string; action: Action }) =>
      ok(
        await api.POST('/reconciliations/{id}/results/{billId}/actions', {
          params: { path: { id: runId, billId } },
          body: { action },
        }),
      ),
    onMutate: ({ billId }) => setErrors((e) => ({ ...e, [billId]: '' })),
    onSuccess: (o) => setNotice(`${ACTION_LABELS[o.action]} of ${o.billId} requested.`),
    onError: (e, { billId }) => setErrors((prev) => ({ ...prev, [billId]: e.message })),
  });
  const bulkAct = useMutation({
    mutationFn: async ({ action, billIds }: { action: Action; billIds: string[] }) =>
      ok(
        await api.POST('/reconciliations/{id}/actions', {
          params: { path: { id: runId } },
          body: { action, billIds },
        }),
      ),
    onSuccess: (o) => {
      setBulk(null);
      setSelected(new Set());
      setNotice(
        `${ACTION_LABELS[o.action]}: acted on ${o.acted}` +
          (o.skipped.length
            ? `, skipped ${o.skipped.length} (${o.skipped.map((s) => s.message).join('; ')})`
            : '.'),
      );
      void queryClient.invalidateQueries({ queryKey: ['reconciliation', runId] });
    },
  });
  if (run.isPending) return <Loader aria-label="Loading the reconciliation" />;
  if (run.error)
    return (
      <Alert color="red" role="alert">
        The reconciliation could not be read: {run.error.message}
      </Alert>
    );
  const r = run.data;
  const shown = r.results.filter((x) => kind === '' || x.result === kind);
  const fixable = (a: Action) =>
    shown.filter((x) => (selected.size === 0 || selected.has(x.billId)) && actionFor(x.result) === a);
  const csvHref = `/reconciliations/${encodeURIComponent(r.id)}/results.csv${kind ? `?result=${kind}` : ''}`;
  const allShownSelected = shown.length > 0 && shown.every((x) => selected.has(x.billId));
  const toggle = (billId: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(billId)) n.delete(billId);
      else n.add(billId);
      return n;
    });
  return (
    <Stack>
      <Breadcrumbs aria-label="Breadcrumb">
        <Link to="/">Configurations</Link>
        <Link to={`/integrations/${encodeURIComponent(r.integrationId)}/reconciliations`}>
          Reconciliation
        </Link>
        <Text fw={600}>
          {r.from} → {r.to}
        </Text>
      </Breadcrumbs>
      <Group justify="space-between">
        <Title order={2}>
          Reconciliation {r.from} → {r.to}
        </Title>
        <StatusBadge status={r.status} />
      </Group>
      {r.status === 'RUNNING' && (
        <Text role="status">
          Checked {r.progress.checked} of {r.progress.listed} bills…
        </Text>
      )}
      {r.error && (
        <Alert color="red" role="alert">
          {r.error}
        </Alert>
      )}
      {r.summary && <Summary run={r} />}
      <Group align="flex-end">
        <NativeSelect
          label="Result"
          value={kind}
          onChange={(e) => {
            setKind(e.currentTarget.value as Kind | '');
            setSelected(new Set());
          }}
          data={[
            { value: '', label: 'Every result' },
            ...KINDS.map((k) => ({ value: k, label: `${k} (${r.summary?.counts[k] ?? 0})` })),
          ]}
        />
        <Button
          variant="default"
          disabled={fixable('resync').length === 0}
          onClick={() => setBulk({ action: 'resync', billIds: fixable('resync').map((x) => x.billId) })}
        >
          Resync {selected.size ? 'selected' : 'shown'}
        </Button>
        <Button
          variant="default"
          disabled={fixable('adopt').length === 0}
          onClick={() => setBulk({ action: 'adopt', billIds: fixable('adopt').map((x) => x.billId) })}
        >
          Adopt {selected.size ? 'selected' : 'shown'}
        </Button>
        <Anchor href={csvHref} download>
          Export CSV
        </Anchor>
      </Group>
      {notice && (
        <Alert color="teal" role="status" withCloseButton onClose={() => setNotice(null)}>
          {notice}
        </Alert>
      )}
      {shown.length === 0 && <Text c="dimmed">No results match.</Text>}
      {shown.length > 0 && (
        <Table.ScrollContainer minWidth={1000}>
          <Table striped aria-label="Reconciliation results">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>
                  <Checkbox
                    aria-label="Select every result shown"
                    checked={allShownSelected}
                    onChange={() =>
                      setSelected(allShownSelected ? new Set() : new Set(shown.map((x) => x.billId)))
                    }
                  />
                </Table.Th>
                <Table.Th>Bill</Table.Th>
                <Table.Th>Result</Table.Th>
                <Table.Th>QuickBooks document</Table.Th>
                <Table.Th>Expected</Table.Th>
                <Table.Th>In QuickBooks</Table.Th>
                <Table.Th>Difference</Table.Th>
                <Table.Th>Details</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shown.map((x) => (
                <ResultRow
                  key={x.billId}
                  result={x}
                  selected={selected.has(x.billId)}
                  onToggle={() => toggle(x.billId)}
                  onAction={(action) => act.mutate({ billId: x.billId, action })}
                  pending={act.isPending && act.variables.billId === x.billId}
                  error={errors[x.billId]}
                />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Modal
        opened={bulk !== null}
        onClose={() => setBulk(null)}
        title={bulk ? `${ACTION_LABELS[bulk.action]} ${bulk.billIds.length} results?` : ''}
      >
        {bulk && (
          <Stack>
            <Text>
              This will {bulk.action} {bulk.billIds.length} {bulk.billIds.length === 1 ? 'result' : 'results'}
              {bulk.action === 'adopt'
                ? ' (recording the documents found in QuickBooks; nothing is written there).'
                : ' (each bill is sent to QuickBooks again).'}
            </Text>
            {bulkAct.error && (
              <Alert color="red" role="alert">
                {bulkAct.error.message}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setBulk(null)}>
                Cancel
              </Button>
              <Button loading={bulkAct.isPending} onClick={() => bulkAct.mutate(bulk)}>
                {ACTION_LABELS[bulk.action]} {bulk.billIds.length}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}

function Summary({ run }: { run: Run }) {
  const s = run.summary!;
  return (
    <Paper withBorder p="md" aria-label="Summary">
      <Stack gap="xs">
        <Text>
          {s.bills} bills · QuickBooks read {run.quickBooksReads}{' '}
          {run.quickBooksReads === 1 ? 'time' : 'times'}
          {run.adopted ? ` · ${run.adopted} adopted` : ''}
        </Text>
        <Group gap="xs">
          {KINDS.filter((k) => (s.counts[k] ?? 0) > 0).map((k) => (
            <Badge key={k} color={RESULT_COLORS[k]} variant="light">
              {k}: {s.counts[k]}
            </Badge>
          ))}
        </Group>
        {Object.entries(s.amounts).map(([currency, a]) => (
          <Stack key={currency} gap={4}>
            <Text fw={600}>
              Total drift ({currency}): {money(a.driftMinor, currency)} (net{' '}
              {money(a.netDriftMinor, currency)})
            </Text>
            <Table aria-label={`Amounts in ${currency}`}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Result</Table.Th>
                  <Table.Th>Expected</Table.Th>
                  <Table.Th>In QuickBooks</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {Object.entries(a.byResult).map(([k, v]) => (
                  <Table.Tr key={k}>
                    <Table.Td>{k}</Table.Td>
                    <Table.Td>{money(v.expectedMinor, currency)}</Table.Td>
                    <Table.Td>{money(v.heldMinor, currency)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Stack>
        ))}
      </Stack>
    </Paper>
  );
}

function ResultRow(props: {
  result: Result;
  selected: boolean;
  onToggle: () => void;
  onAction: (a: Action) => void;
  pending: boolean;
  error: string | undefined;
}) {
  const x = props.result;
  const action = actionFor(x.result);
  return (
    <Table.Tr data-bill-id={x.billId}>
      <Table.Td>
        <Checkbox aria-label={`Select ${x.billId}`} checked={props.selected} onChange={props.onToggle} />
      </Table.Td>
      <Table.Td>{x.billId}</Table.Td>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>
        <Badge color={RESULT_COLORS[x.result]}>{x.result}</Badge>
      </Table.Td>
      <Table.Td>{x.externalId ? `${x.documentType ?? ''} ${x.externalId}` : '—'}</Table.Td>
      <Table.Td>{money(x.expectedTotalMinor, x.currency)}</Table.Td>
      <Table.Td>{money(x.heldTotalMinor, x.currency)}</Table.Td>
      <Table.Td>{money(x.differenceMinor, x.currency)}</Table.Td>
      <Table.Td>
        <Stack gap={2}>
          <Text size="sm">{x.detail}</Text>
          {x.differences
            .filter((d) => !x.detail.includes(d))
            .map((d) => (
              <Text size="xs" c="dimmed" key={d}>
                {d}
              </Text>
            ))}
          {props.error && (
            <Text size="sm" c="red" role="alert">
              {props.error}
            </Text>
          )}
        </Stack>
      </Table.Td>
      <Table.Td>
        {action && (
          <Button
            size="xs"
            variant="default"
            loading={props.pending}
            onClick={() => props.onAction(action)}
            aria-label={`${ACTION_LABELS[action]} ${x.billId}`}
          >
            {ACTION_LABELS[action]}
          </Button>
        )}
      </Table.Td>
    </Table.Tr>
  );
}
