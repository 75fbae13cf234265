import {
  ActionIcon,
  Alert,
  Breadcrumbs,
  Button,
  Code,
  CopyButton,
  Group,
  Loader,
  Modal,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok, type Integration } from '../api/client';
import { DESTINATION_LABELS, formatTime } from '../components/labels';
import { LinkedMappings } from '../components/LinkedMappings';
import { Link, navigate } from '../router';
import { ConnectionBadge, EnabledState } from './IntegrationsList';

/** One integration: its details card, its credential, and who changed it when. */
export function IntegrationDetails({ id }: { id: string }) {
  const integration = useQuery({
    queryKey: ['integrations', id],
    queryFn: async () => ok(await api.GET('/integrations/{id}', { params: { path: { id } } })),
  });
  if (integration.isPending) return <Loader aria-label="Loading the integration" />;
  if (integration.error)
    return (
      <Alert color="red" role="alert">
        The integration could not be read: {integration.error.message}
      </Alert>
    );
  const i = integration.data;
  return (
    <Stack>
      <Breadcrumbs aria-label="Breadcrumb">
        <Text>Integrations</Text>
        <Text>QuickBooks</Text>
        <Link to="/">Configurations</Link>
        <Text fw={600}>{i.name}</Text>
      </Breadcrumbs>
      <Group justify="space-between">
        <Title order={2}>{i.name}</Title>
        <Group>
          <Button
            variant="default"
            onClick={() => navigate(`/runs?integrationId=${encodeURIComponent(i.id)}`)}
          >
            Runs
          </Button>
          <Button
            variant="default"
            onClick={() => navigate(`/integrations/${encodeURIComponent(i.id)}/reconciliations`)}
          >
            Reconciliation
          </Button>
          <Button
            variant="default"
            onClick={() => navigate(`/integrations/${encodeURIComponent(i.id)}/backfill`)}
          >
            Backfill and sweep
          </Button>
          <Button
            variant="default"
            onClick={() => navigate(`/integrations/${encodeURIComponent(i.id)}/preview`)}
          >
            Bill preview
          </Button>
          <Button
            variant="default"
            onClick={() => navigate(`/integrations/${encodeURIComponent(i.id)}/edit`)}
          >
            Edit
          </Button>
        </Group>
      </Group>
      {i.connectionStatus === 'NOT_CONNECTED' && (
        <Alert color="yellow" title="Not yet connected" role="status">
          This integration is not yet connected to a QuickBooks credential: no bills are sent until you
          connect one.
        </Alert>
      )}
      {!i.enabled && <EnableBar integration={i} />}
      <DetailsCard integration={i} />
      <CredentialCard integration={i} />
      <LinkedMappings integration={i} />
      <AuditCard id={i.id} />
    </Stack>
  );
}

function EnableBar({ integration: i }: { integration: Integration }) {
  const queryClient = useQueryClient();
  const enable = useMutation({
    mutationFn: async () =>
      ok(
        await api.POST('/integrations/{id}/enable', {
          params: { path: { id: i.id } },
          body: { version: i.version },
        }),
      ),
    onSuccess: (updated) => {
      queryClient.setQueryData(['integrations', i.id], updated);
      void queryClient.invalidateQueries({ queryKey: ['integrations'] });
    },
  });
  const auto = i.consecutiveFailures >= i.autoDisableAfterConsecutiveFailures;
  return (
    <Alert color="red" title={auto ? 'Auto-disabled' : 'Disabled'} role="status">
      <Stack gap="xs">
        <Text size="sm">
          {i.disabledReason ?? 'This integration is disabled.'} No bills are sent until it is enabled again;
          fix the cause first, then replay the failed runs.
        </Text>
        <Group>
          <Button color="red" variant="light" onClick={() => enable.mutate()} loading={enable.isPending}>
            {auto ? 'Re-enable' : 'Enable'}
          </Button>
        </Group>
        {enable.error && <Text size="sm">{enable.error.message}</Text>}
      </Stack>
    </Alert>
  );
}

function DetailsCard({ integration: i }: { integration: Integration }) {
  return (
    <Paper withBorder p="md" component="section" aria-label="Details">
      <Stack gap="xs">
        <Title order={3} size="h4">
          Details
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Field label="Destination">{DESTINATION_LABELS[i.destination]}</Field>
          <Field label="Connection">
            <ConnectionBadge status={i.connectionStatus} />
          </Field>
          <Field label="Status">
            <EnabledState integration={i} />
          </Field>
          <Field label="Last changed">{formatTime(i.updatedAt)}</Field>
        </SimpleGrid>
        <Group gap="xs">
          <Text size="sm" c="dimmed">
            Integration ID
          </Text>
          <Code data-testid="integration-id">{i.id}</Code>
          <CopyButton value={i.id}>
            {({ copied, copy }) => (
              <Tooltip label={copied ? 'Copied' : 'Copy'}>
                <ActionIcon variant="subtle" onClick={copy} aria-label="Copy integration ID">
                  {copied ? <CheckIcon /> : <CopyIcon />}
                </ActionIcon>
              </Tooltip>
            )}
          </CopyButton>
        </Group>
      </Stack>
    </Paper>
  );
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <div>{children}</div>
    </div>
  );
}

function CredentialCard({ integration: i }: { integration: Integration }) {
  const queryClient = useQueryClient();
  const [opened, { open, close }] = useDisclosure(false);
  const [choice, setChoice] = useState<string | null>(null);
  const credentials = useQuery({
    queryKey: ['credentials', i.destination],
    enabled: opened || i.credentialId !== null,
    queryFn: async () =>
      ok(await api.GET('/credentials', { params: { query: { destination: i.destination, limit: 500 } } }))
        .data,
  });
  const connect = useMutation({
    mutationFn: async (credentialId: string) =>
      ok(
        await api.PUT('/integrations/{id}/credential', {
          params: { path: { id: i.id } },
          body: { credentialId, version: i.version },
        }),
      ),
    onSuccess: (updated) => {
      queryClient.setQueryData(['integrations', i.id], updated);
      void queryClient.invalidateQueries({ queryKey: ['integrations'] });
      close();
    },
  });
  const disconnect = useMutation({
    mutationFn: async () =>
      ok(
        await api.DELETE('/integrations/{id}/credential', {
          params: { path: { id: i.id }, query: { version: i.version } },
        }),
      ),
    onSuccess: (updated) => {
      queryClient.setQueryData(['integrations', i.id], updated);
      void queryClient.invalidateQueries({ queryKey: ['integrations'] });
    },
  });
  const current = credentials.data?.find((c) => c.id === i.credentialId);
  return (
    <Paper withBorder p="md" component="section" aria-label="Credential">
      <Stack gap="xs">
        <Title order={3} size="h4">
          Credential
        </Title>
        {i.credentialId ? (
          <Text size="sm" data-testid="connected-credential">
            {current
              ? `${current.name} (${current.status}${current.realmId ? `, company ${current.realmId}` : ''})`
              : i.credentialId}
          </Text>
        ) : (
          <Text size="sm" c="dimmed">
            No credential connected.
          </Text>
        )}
        <Group>
          <Button onClick={open}>{i.credentialId ? 'Change credential' : 'Connect credential'}</Button>
          {i.credentialId && (
            <Button
              variant="default"
              color="red"
              onClick={() => disconnect.mutate()}
              loading={disconnect.isPending}
            >
              Disconnect credential
            </Button>
          )}
        </Group>
        {disconnect.error && (
          <Alert color="red" role="alert">
            {disconnect.error.message}
          </Alert>
        )}
      </Stack>
      <Modal opened={opened} onClose={close} title="Select credential">
        <Stack>
          <Select
            label="Credential"
            description={`Credentials for ${DESTINATION_LABELS[i.destination]}`}
            placeholder={credentials.isPending ? 'Loading…' : 'Choose a credential'}
            data={(credentials.data ?? []).map((c) => ({ value: c.id, label: `${c.name} (${c.status})` }))}
            value={choice}
            onChange={setChoice}
            searchable
            nothingFoundMessage="No credential for this destination"
          />
          {connect.error && (
            <Alert color="red" role="alert">
              {connect.error.message}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button
              disabled={!choice}
              loading={connect.isPending}
              onClick={() => choice && connect.mutate(choice)}
            >
              Confirm
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
}

function AuditCard({ id }: { id: string }) {
  const audit = useQuery({
    queryKey: ['integrations', id, 'audit'],
    queryFn: async () =>
      ok(await api.GET('/integrations/{id}/audit', { params: { path: { id }, query: { limit: 50 } } })),
  });
  return (
    <Paper withBorder p="md" component="section" aria-label="Changes">
      <Stack gap="xs">
        <Title order={3} size="h4">
          Changes
        </Title>
        {audit.isPending && <Loader size="sm" aria-label="Loading changes" />}
        {audit.data && audit.data.data.length === 0 && <Text c="dimmed">No changes recorded.</Text>}
        {audit.data && audit.data.data.length > 0 && (
          <Table.ScrollContainer minWidth={600}>
            <Table aria-label="Changes">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Who</Table.Th>
                  <Table.Th>What</Table.Th>
                  <Table.Th>Fields</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {audit.data.data.map((e) => (
                  <Table.Tr key={e.id}>
                    <Table.Td>{formatTime(e.at)}</Table.Td>
                    <Table.Td>{e.actor}</Table.Td>
                    <Table.Td>{e.action}</Table.Td>
                    <Table.Td>{Object.keys(e.fields).join(', ')}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Paper>
  );
}

function CopyIcon() {
  return (
    <svg
      width="16"
      height="16"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      aria-hidden
    >
      <rect x="9" y="9" width="12" height="12" rx="2" />
      <path d="M5 15H4a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v1" />
    </svg>
  );
}

function CheckIcon() {
  return (
    <svg
      width="16"
      height="16"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      aria-hidden
    >
      <path d="M20 6 9 17l-5-5" />
    </svg>
  );
}
