import {
  Alert,
  Breadcrumbs,
  Button,
  Checkbox,
  Group,
  Loader,
  Modal,
  NativeSelect,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, api, ok, type Integration, type Schemas } from '../api/client';
import { DESTINATION_LABELS } from '../components/labels';
import { usePicker, type PickerOption } from '../components/pickers';
import {
  ENTITY_TABLE,
  QuickBooksSearch,
  type ExternalTable,
  type M3terEntity,
} from '../components/QuickBooksSearch';
import { Link } from '../router';

type Mapping = Schemas['ExternalMapping'];
type Destination = Integration['destination'];
const TABLES: ExternalTable[] = ['Customer', 'Item'];

/** The m3ter objects a mapping of this entity may name (none known for compound aggregations and pricing bands). */
function useM3terOptions(entity: M3terEntity): PickerOption[] | null {
  const accounts = usePicker('accounts');
  const products = usePicker('products');
  const aggregations = usePicker('aggregations');
  if (entity === 'Account') return accounts;
  if (entity === 'Product') return products;
  if (entity === 'Aggregation') return aggregations;
  return null;
}

/** External mappings: the list with its filters and linked integration, create in two stages, delete. */
export function ExternalMappings() {
  const queryClient = useQueryClient();
  const [entity, setEntity] = useState('');
  const [table, setTable] = useState('');
  const [integrationId, setIntegrationId] = useState('');
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Mapping | null>(null);
  const integrations = useQuery({
    queryKey: ['integrations'],
    queryFn: async () => ok(await api.GET('/integrations', { params: { query: { limit: 500 } } })),
  });
  const mappings = useQuery({
    queryKey: ['external-mappings', entity, table, integrationId],
    queryFn: async () =>
      ok(
        await api.GET('/external-mappings', {
          params: {
            query: {
              limit: 500,
              ...(entity ? { m3terEntity: entity as M3terEntity } : {}),
              ...(table ? { externalTable: table as ExternalTable } : {}),
              ...(integrationId === 'unlinked'
                ? { linked: 'false' as const }
                : integrationId
                  ? { integrationConfigId: integrationId }
                  : {}),
            },
          },
        }),
      ).data,
  });
  const remove = useMutation({
    mutationFn: async (m: Mapping) =>
      ok(
        await api.DELETE('/external-mappings/{id}', {
          params: { path: { id: m.id }, query: { version: m.version } },
        }),
      ),
    onSuccess: async () => {
      setDeleting(null);
      await queryClient.invalidateQueries({ queryKey: ['external-mappings'] });
    },
  });
  const names = new Map((integrations.data?.data ?? []).map((i) => [i.id, i.name]));
  return (
    <Stack>
      <Breadcrumbs aria-label="Breadcrumb">
        <Text>Integrations</Text>
        <Text fw={600}>External mappings</Text>
      </Breadcrumbs>
      <Group justify="space-between">
        <Title order={2}>External mappings</Title>
        <Button onClick={() => setCreating(true)}>Create external mapping</Button>
      </Group>
      <Group align="flex-end">
        <NativeSelect
          label="M3ter entity type"
          value={entity}
          onChange={(e) => setEntity(e.currentTarget.value)}
          data={[{ value: '', label: 'All entity types' }, ...Object.keys(ENTITY_TABLE)]}
        />
        <NativeSelect
          label="External table"
          value={table}
          onChange={(e) => setTable(e.currentTarget.value)}
          data={[{ value: '', label: 'All tables' }, ...TABLES]}
        />
        <NativeSelect
          label="Linked integration"
          value={integrationId}
          onChange={(e) => setIntegrationId(e.currentTarget.value)}
          data={[
            { value: '', label: 'Any (linked or not)' },
            { value: 'unlinked', label: 'Not linked' },
            ...[...names].map(([value, label]) => ({ value, label })),
          ]}
        />
      </Group>
      {mappings.isPending && <Loader aria-label="Loading mappings" />}
      {mappings.data && mappings.data.length === 0 && <Text c="dimmed">No mappings match.</Text>}
      {mappings.data && mappings.data.length > 0 && (
        <Table.ScrollContainer minWidth={900}>
          <Table striped aria-label="External mappings">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>M3ter entity</Table.Th>
                <Table.Th>M3ter ID</Table.Th>
                <Table.Th>External system</Table.Th>
                <Table.Th>External table</Table.Th>
                <Table.Th>External ID</Table.Th>
                <Table.Th>Linked integration</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {mappings.data.map((m) => (
                <Table.Tr key={m.id} data-mapping-id={m.id}>
                  <Table.Td>{m.m3terEntity}</Table.Td>
                  <Table.Td>{m.m3terId}</Table.Td>
                  <Table.Td>{DESTINATION_LABELS[m.externalSystem]}</Table.Td>
                  <Table.Td>{m.externalTable}</Table.Td>
                  <Table.Td>{m.externalId}</Table.Td>
                  <Table.Td>
                    {m.integrationConfigId ? (
                      <Link to={`/integrations/${m.integrationConfigId}`}>
                        {names.get(m.integrationConfigId) ?? m.integrationConfigId}
                      </Link>
                    ) : (
                      '—'
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="subtle"
                      color="red"
                      aria-label={`Delete mapping of ${m.m3terEntity} ${m.m3terId}`}
                      onClick={() => setDeleting(m)}
                    >
                      Delete
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Modal opened={creating} onClose={() => setCreating(false)} title="Create external mapping" size="lg">
        {creating && (
          <CreateMappingStages
            integrations={integrations.data?.data ?? []}
            onDone={() => setCreating(false)}
          />
        )}
      </Modal>
      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title="Delete external mapping">
        {deleting && (
          <Stack>
            <Text>
              Delete the mapping of {deleting.m3terEntity} {deleting.m3terId} to QuickBooks{' '}
              {deleting.externalTable} {deleting.externalId}? Bills sent after this no longer use it.
            </Text>
            {remove.error && (
              <Alert color="red" role="alert">
                {remove.error.message}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setDeleting(null)}>
                Cancel
              </Button>
              <Button color="red" loading={remove.isPending} onClick={() => remove.mutate(deleting)}>
                Delete mapping
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}

/**
 * m3ter's two stages: Stage 1 selects the mapping type (m3ter entity type, external system, external table —
 * enabled once a system is chosen); Stage 2 adds the ids (the m3ter object from the reference data, the
 * QuickBooks one by a live search of an integration's company).
 */
export function CreateMappingStages({
  integrations,
  onDone,
  initial,
}: {
  integrations: Integration[];
  onDone(created?: Mapping): void;
  initial?: { entity: M3terEntity; m3terId: string; integrationId: string };
}) {
  const queryClient = useQueryClient();
  const [stage, setStage] = useState<1 | 2>(1);
  const [entity, setEntity] = useState<M3terEntity>(initial?.entity ?? 'Account');
  const [system, setSystem] = useState<Destination | ''>('');
  const [table, setTable] = useState<ExternalTable>(ENTITY_TABLE[initial?.entity ?? 'Account']);
  const [m3terId, setM3terId] = useState<string | null>(initial?.m3terId ?? null);
  const [integrationId, setIntegrationId] = useState<string | null>(initial?.integrationId ?? null);
  const [linked, setLinked] = useState(false);
  const [externalId, setExternalId] = useState<string | null>(null);
  const options = useM3terOptions(entity);
  const create = useMutation({
    mutationFn: async () =>
      ok(
        await api.POST('/external-mappings', {
          body: {
            m3terEntity: entity,
            m3terId: m3terId ?? '',
            externalSystem: system || 'QuickBooks',
            externalTable: table,
            externalId: externalId ?? '',
            ...(linked && integrationId ? { integrationConfigId: integrationId } : {}),
          },
        }),
      ),
    onSuccess: async (created) => {
      await queryClient.invalidateQueries({ queryKey: ['external-mappings'] });
      await queryClient.invalidateQueries({ queryKey: ['integrations'] });
      onDone(created);
    },
  });
  const error = create.error instanceof ApiError ? create.error : undefined;
  const companies = integrations.filter((i) => i.destination === system);

  if (stage === 1)
    return (
      <Stack>
        <Title order={3} size="h4">
          Stage 1: Select mapping type
        </Title>
        <NativeSelect
          label="M3ter entity type"
          description="The kind of m3ter object this mapping is for."
          value={entity}
          onChange={(e) => {
            const next = e.currentTarget.value as M3terEntity;
            setEntity(next);
            setTable(ENTITY_TABLE[next]);
            setM3terId(null);
          }}
          data={Object.keys(ENTITY_TABLE)}
        />
        <NativeSelect
          label="External system"
          description="Where the mapped object lives."
          value={system}
          onChange={(e) => {
            setSystem(e.currentTarget.value as Destination | '');
            setIntegrationId(null);
          }}
          data={[
            { value: '', label: 'Select a system' },
            ...Object.entries(DESTINATION_LABELS).map(([value, label]) => ({ value, label })),
          ]}
        />
        <NativeSelect
          label="External table"
          description="The QuickBooks table: Customer for accounts, Item for the rest."
          value={table}
          disabled={!system}
          onChange={(e) => {
            setTable(e.currentTarget.value as ExternalTable);
            setExternalId(null);
          }}
          data={TABLES}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={() => onDone()}>
            Cancel
          </Button>
          <Button disabled={!system} onClick={() => setStage(2)}>
            Next
          </Button>
        </Group>
      </Stack>
    );

  return (
    <Stack>
      <Title order={3} size="h4">
        Stage 2: Add mapping IDs
      </Title>
      <Text size="sm" c="dimmed">
        {entity} → {system ? DESTINATION_LABELS[system] : ''} {table}
      </Text>
      {options ? (
        <Select
          label="M3ter entity ID"
          description="The m3ter object (searchable)."
          data={options}
          value={m3terId}
          onChange={setM3terId}
          searchable
          error={error?.issueFor('m3terId')}
        />
      ) : (
        <TextInput
          label="M3ter entity ID"
          description="The m3ter object's id."
          value={m3terId ?? ''}
          onChange={(e) => setM3terId(e.currentTarget.value)}
          error={error?.issueFor('m3terId')}
        />
      )}
      <Select
        label="QuickBooks company"
        description="The integration whose QuickBooks company to search."
        data={companies.map((i) => ({ value: i.id, label: i.name }))}
        value={integrationId}
        onChange={(v) => {
          setIntegrationId(v);
          setExternalId(null);
        }}
        nothingFoundMessage={`No ${system ? DESTINATION_LABELS[system] : ''} integration`}
        searchable
      />
      <QuickBooksSearch
        integrationId={integrationId}
        table={table}
        value={externalId}
        onChange={setExternalId}
        error={error?.issueFor('externalId')}
      />
      <Checkbox
        label="Link to this integration only"
        description="Linked: the mapping counts only for this integration; otherwise for every one."
        checked={linked}
        disabled={!integrationId}
        onChange={(e) => setLinked(e.currentTarget.checked)}
      />
      {create.error && !error?.issues.length && (
        <Alert color="red" role="alert">
          {create.error.message}
        </Alert>
      )}
      <Group justify="flex-end">
        <Button variant="default" onClick={() => setStage(1)}>
          Back
        </Button>
        <Button onClick={() => create.mutate()} loading={create.isPending} disabled={!m3terId || !externalId}>
          Create mapping
        </Button>
      </Group>
    </Stack>
  );
}
