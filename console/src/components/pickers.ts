import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../api/client';

/** Options for the searchable pickers, from the m3ter reference data the service keeps (GET /reference/{kind}). */
export interface PickerOption {
  value: string;
  label: string;
}

type Kind = 'accounts' | 'products' | 'aggregations' | 'users';

const withCode = (name: string, code: string | null | undefined, id: string) =>
  `${name}${code ? ` (${code})` : ''} · ${id}`;

async function load(kind: Kind): Promise<PickerOption[]> {
  const query = { params: { query: { limit: 500 } } };
  switch (kind) {
    case 'accounts':
      return ok(await api.GET('/reference/accounts', query)).data.map((a) => ({
        value: a.id,
        label: withCode(a.name, a.code, a.id),
      }));
    case 'products':
      return ok(await api.GET('/reference/products', query)).data.map((p) => ({
        value: p.id,
        label: withCode(p.name, p.code, p.id),
      }));
    case 'aggregations':
      return ok(await api.GET('/reference/aggregations', query)).data.map((a) => ({
        value: a.id,
        label: withCode(a.name, a.code, a.id),
      }));
    case 'users':
      return ok(await api.GET('/reference/users', query)).data.map((u) => {
        const name = u.name ?? [u.firstName, u.lastName].filter(Boolean).join(' ');
        return { value: u.id, label: name ? `${name} <${u.email}>` : u.email };
      });
  }
}

/** The options of one kind, plus any already-chosen ids that are not (or no longer) known, so none is hidden. */
export function usePicker(kind: Kind, chosen: readonly string[] = []): PickerOption[] {
  const options = useQuery({ queryKey: ['reference', kind], queryFn: () => load(kind), staleTime: 60_000 });
  const known = options.data ?? [];
  const missing = chosen.filter((id) => !known.some((o) => o.value === id));
  return [...known, ...missing.map((id) => ({ value: id, label: `${id} (unknown)` }))];
}
