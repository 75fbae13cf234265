import {
  Alert,
  Badge,
  Breadcrumbs,
  Button,
  Group,
  Loader,
  Menu,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, ok, type Integration } from '../api/client';
import { DESTINATION_LABELS, formatTime } from '../components/labels';
import { Link, navigate } from '../router';

/** Integrations › QuickBooks › Configurations: every integration, its connection, state and last run. */
export function IntegrationsList() {
  const list = useQuery({
    queryKey: ['integrations'],
    queryFn: async () => ok(await api.GET('/integrations', { params: { query: { limit: 500 } } })),
  });
  return (
    <Stack>
      <Breadcrumbs aria-label="Breadcrumb">
        <Text>Integrations</Text>
        <Text>QuickBooks</Text>
        <Text fw={600}>Configurations</Text>
      </Breadcrumbs>
      <Group justify="space-between">
        <Title order={2}>Configurations</Title>
        <Menu position="bottom-end">
          <Menu.Target>
            <Button>Configure new integration</Button>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Item onClick={() => navigate('/integrations/new')}>Configure bill integration</Menu.Item>
          </Menu.Dropdown>
        </Menu>
      </Group>
      {list.isPending && <Loader aria-label="Loading integrations" />}
      {list.error && (
        <Alert color="red" role="alert">
          The integrations could not be read: {list.error.message}
        </Alert>
      )}
      {list.data && list.data.data.length === 0 && (
        <Text c="dimmed">No integrations yet. Configure one with “Configure new integration”.</Text>
      )}
      {list.data && list.data.data.length > 0 && (
        <Table.ScrollContainer minWidth={760}>
          <Table striped highlightOnHover aria-label="Configurations">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Destination</Table.Th>
                <Table.Th>Connection</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Last run</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.data.map((i) => (
                <IntegrationRow key={i.id} integration={i} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

export function ConnectionBadge({ status }: { status: Integration['connectionStatus'] }) {
  return status === 'CONNECTED' ? (
    <Badge color="teal">CONNECTED</Badge>
  ) : (
    <Badge color="gray" variant="outline">
      NOT CONNECTED
    </Badge>
  );
}

export function EnabledState({ integration }: { integration: Integration }) {
  if (integration.enabled) return <Text size="sm">Enabled</Text>;
  // Disabled by its failures (the count reached its threshold), or by hand.
  const auto = integration.consecutiveFailures >= integration.autoDisableAfterConsecutiveFailures;
  return (
    <Text size="sm" c={auto ? 'red' : 'dimmed'} data-testid="enabled-state">
      {auto ? 'Auto-disabled' : 'Disabled'}
      {integration.disabledReason ? `: ${integration.disabledReason}` : ''}
    </Text>
  );
}

function IntegrationRow({ integration: i }: { integration: Integration }) {
  const lastRun = useQuery({
    queryKey: ['integrations', i.id, 'last-run'],
    queryFn: async () =>
      ok(await api.GET('/integration-runs', { params: { query: { integrationId: i.id, limit: 1 } } }))
        .data[0] ?? null,
  });
  return (
    <Table.Tr>
      <Table.Td>
        <Link to={`/integrations/${encodeURIComponent(i.id)}`}>{i.name}</Link>
      </Table.Td>
      <Table.Td>{DESTINATION_LABELS[i.destination]}</Table.Td>
      <Table.Td>
        <ConnectionBadge status={i.connectionStatus} />
      </Table.Td>
      <Table.Td>
        <EnabledState integration={i} />
      </Table.Td>
      <Table.Td>
        {lastRun.data ? (
          <Text size="sm">
            {lastRun.data.status} · {formatTime(lastRun.data.startedAt)}
          </Text>
        ) : (
          <Text size="sm" c="dimmed">
            {lastRun.isPending ? '…' : 'No runs yet'}
          </Text>
        )}
      </Table.Td>
    </Table.Tr>
  );
}
