import {
  Alert,
  Badge,
  Breadcrumbs,
  Button,
  Code,
  Group,
  Loader,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ok } from '../api/client';
import { Link } from '../router';

interface PreviewLine {
  DetailType: string;
  Amount: number;
  Description?: string;
  SalesItemLineDetail?: {
    ItemRef?: { value: string };
    Qty?: number;
    UnitPrice?: number;
    ServiceDate?: string;
  };
}
interface PreviewPayload {
  CustomerRef: { value: string };
  TxnDate?: string;
  DueDate?: string;
  DocNumber?: string;
  CurrencyRef?: { value: string };
  Line: PreviewLine[];
}
/** GET /integrations/{id}/bills/{billId}/preview */
type Preview =
  | {
      wouldSend: true;
      documentType: 'Invoice' | 'CreditMemo';
      payload: PreviewPayload;
      customer: { id: string; via: string };
      existingDocument: { type: string; externalId: string | null } | null;
      unchanged: boolean;
      total: string;
      warnings: string[];
    }
  | { wouldSend: false; status: string; reason: string };

/** One bill of an integration as QuickBooks will show it, beside the exact payload; "Send now" syncs it. */
export function BillPreview({ id }: { id: string }) {
  const [draft, setDraft] = useState(() => new URLSearchParams(window.location.search).get('billId') ?? '');
  const [billId, setBillId] = useState(draft);
  const integration = useQuery({
    queryKey: ['integrations', id],
    queryFn: async () => ok(await api.GET('/integrations/{id}', { params: { path: { id } } })),
  });
  const preview = useQuery({
    queryKey: ['integrations', id, 'preview', billId],
    enabled: billId !== '',
    queryFn: async () =>
      ok(
        await api.GET('/integrations/{id}/bills/{billId}/preview', { params: { path: { id, billId } } }),
      ) as unknown as Preview,
  });
  const send = useMutation({
    mutationFn: async () =>
      ok(await api.POST('/integrations/{id}/bills/{billId}/sync', { params: { path: { id, billId } } })),
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    send.reset();
    setBillId(draft.trim());
  };
  const name = integration.data?.name ?? id;
  return (
    <Stack>
      <Breadcrumbs aria-label="Breadcrumb">
        <Link to="/">Configurations</Link>
        <Link to={`/integrations/${encodeURIComponent(id)}`}>{name}</Link>
        <Text fw={600}>Bill preview</Text>
      </Breadcrumbs>
      <Title order={2}>Bill preview</Title>
      <form onSubmit={onSubmit} aria-label="Choose a bill">
        <Group align="flex-end" wrap="wrap">
          <TextInput
            label="Bill id"
            description="The m3ter bill to preview: what a sync would send to QuickBooks now (nothing is written)"
            value={draft}
            onChange={(e) => setDraft(e.currentTarget.value)}
            required
            style={{ flex: '1 1 16rem' }}
          />
          <Button type="submit" disabled={draft.trim() === ''}>
            Preview
          </Button>
        </Group>
      </form>
      {billId === '' && <Text c="dimmed">Enter a bill id to see its document.</Text>}
      {preview.isFetching && <Loader aria-label="Loading the preview" />}
      {preview.error && (
        <Alert color="red" role="alert">
          The preview could not be made: {preview.error.message}
        </Alert>
      )}
      {preview.data && !preview.data.wouldSend && (
        <Alert color="yellow" title="Nothing would be sent" data-testid="not-sent">
          {preview.data.reason} ({preview.data.status})
        </Alert>
      )}
      {preview.data?.wouldSend && <Document preview={preview.data} />}
      {preview.data && billId !== '' && (
        <Group>
          <Button onClick={() => send.mutate()} loading={send.isPending} color="green">
            Send now
          </Button>
          {send.data && (
            <Text data-testid="sent-run">
              Run started: <Link to={`/runs/${encodeURIComponent(send.data.runId)}`}>{send.data.runId}</Link>
            </Text>
          )}
          {send.error && (
            <Text c="red" role="alert">
              Not sent: {send.error.message}
            </Text>
          )}
        </Group>
      )}
    </Stack>
  );
}

function Document({ preview }: { preview: Extract<Preview, { wouldSend: true }> }) {
  const p = preview.payload;
  const currency = p.CurrencyRef?.value ?? '';
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }}>
      <Paper withBorder p="md" aria-label="As QuickBooks will show it" component="section">
        <Stack gap="xs">
          <Group justify="space-between" wrap="wrap">
            <Title order={3} size="h4">
              {preview.documentType === 'Invoice' ? 'Invoice' : 'Credit memo'} {p.DocNumber ?? ''}
            </Title>
            {preview.unchanged && <Badge color="gray">Unchanged: a sync would send nothing</Badge>}
            {preview.existingDocument && !preview.unchanged && (
              <Badge>Updates {preview.existingDocument.externalId ?? 'the existing document'}</Badge>
            )}
          </Group>
          <Text size="sm">
            Customer {preview.customer.id} (via {preview.customer.via})
          </Text>
          <Text size="sm">
            Date {p.TxnDate ?? 'today'}
            {p.DueDate ? ` · Due ${p.DueDate}` : ''}
          </Text>
          <div style={{ overflowX: 'auto' }}>
            <Table fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Description</Table.Th>
                  <Table.Th ta="right">Qty</Table.Th>
                  <Table.Th ta="right">Rate</Table.Th>
                  <Table.Th ta="right">Amount</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {p.Line.map((l, n) => (
                  <Table.Tr key={n}>
                    <Table.Td>{l.Description ?? l.SalesItemLineDetail?.ItemRef?.value ?? ''}</Table.Td>
                    <Table.Td ta="right">{l.SalesItemLineDetail?.Qty ?? ''}</Table.Td>
                    <Table.Td ta="right">{l.SalesItemLineDetail?.UnitPrice ?? ''}</Table.Td>
                    <Table.Td ta="right">{l.Amount.toFixed(2)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
          <Text fw={700} ta="right" data-testid="preview-total">
            Total {preview.total} {currency}
          </Text>
          {preview.warnings.map((w) => (
            <Text key={w} size="xs" c="orange">
              {w}
            </Text>
          ))}
        </Stack>
      </Paper>
      <Paper withBorder p="md" aria-label="Payload" component="section">
        <Title order={3} size="h4">
          Exact payload
        </Title>
        <Code block data-testid="preview-payload" style={{ maxWidth: '100%', overflowX: 'auto' }}>
          {JSON.stringify(p, null, 2)}
        </Code>
      </Paper>
    </SimpleGrid>
  );
}
