import { Loader, Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok, type Schemas } from '../api/client';

export type ExternalTable = Schemas['ExternalMapping']['externalTable'];
export type M3terEntity = Schemas['ExternalMapping']['m3terEntity'];

/** Every m3ter entity a mapping may name and its QuickBooks table (the keys must be exactly the API's enum). */
export const ENTITY_TABLE: Record<M3terEntity, ExternalTable> = {
  Account: 'Customer',
  Product: 'Item',
  Aggregation: 'Item',
  CompoundAggregation: 'Item',
  PricingBand: 'Item',
};

/**
 * The external entity ID as a search over the integration's QuickBooks company (customers or items, read live
 * through GET /integrations/{id}/quickbooks/{table}), so nobody copies an id by hand. The value is the QuickBooks id.
 */
export function QuickBooksSearch({
  integrationId,
  table,
  value,
  onChange,
  error,
  label = 'External entity ID',
}: {
  integrationId: string | null;
  table: ExternalTable;
  value: string | null;
  onChange(id: string | null): void;
  error?: string;
  label?: string;
}) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const [chosen, setChosen] = useState<{ value: string; label: string } | null>(null);
  const found = useQuery({
    queryKey: ['quickbooks', integrationId, table, debounced],
    enabled: Boolean(integrationId),
    queryFn: async () =>
      ok(
        await api.GET('/integrations/{id}/quickbooks/{table}', {
          params: { path: { id: integrationId ?? '', table }, query: { search: debounced, limit: 20 } },
        }),
      ).data,
  });
  const options = (found.data ?? []).map((e) => ({ value: e.id, label: `${e.name} · ${e.id}` }));
  if (chosen && chosen.value === value && !options.some((o) => o.value === chosen.value))
    options.unshift(chosen);
  return (
    <Select
      label={label}
      description={
        integrationId
          ? `Search the QuickBooks company's ${table === 'Customer' ? 'customers' : 'items'} by name.`
          : 'Choose the integration whose QuickBooks company to search first.'
      }
      placeholder={`Search QuickBooks ${table === 'Customer' ? 'customers' : 'items'}`}
      disabled={!integrationId}
      data={options}
      value={value}
      onChange={(v, option) => {
        setChosen(v ? { value: v, label: option?.label ?? v } : null);
        onChange(v);
      }}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options: all }) => all}
      nothingFoundMessage={found.isFetching ? 'Searching QuickBooks…' : 'Nothing in QuickBooks matches'}
      rightSection={found.isFetching ? <Loader size="xs" aria-label="Searching QuickBooks" /> : undefined}
      error={error ?? (found.error ? found.error.message : undefined)}
      clearable
    />
  );
}
