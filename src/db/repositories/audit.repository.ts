import type { Page, PageRequest, Queryable } from './common';

/** Table `audit_log` (migration 0111): one row per settings change, never a secret. */

export interface AuditEntry {
  actor: string;
  action: string;
  route: string;
  entityId: string | null;
  integrationId: string | null;
  fields: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  id: number;
  at: string;
}

interface Row {
  id: number;
  at: Date;
  actor: string;
  action: string;
  route: string;
  entity_id: string | null;
  integration_id: string | null;
  fields: Record<string, unknown>;
}

export async function insertAuditEntry(q: Queryable, e: AuditEntry): Promise<void> {
  await q.query(
    `INSERT INTO audit_log (actor, action, route, entity_id, integration_id, fields)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [e.actor, e.action, e.route, e.entityId, e.integrationId, JSON.stringify(e.fields)],
  );
}

/** Newest first. */
export async function listAuditEntries(
  q: Queryable,
  integrationId: string,
  page: PageRequest,
): Promise<Page<AuditRecord>> {
  const { rows } = await q.query<Row & { total: number }>(
    `SELECT *, count(*) OVER () AS total FROM audit_log WHERE integration_id = $1
      ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3`,
    [integrationId, page.limit, page.offset],
  );
  let total = rows[0]?.total ?? 0;
  if (rows.length === 0 && page.offset > 0) {
    const counted = await q.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE integration_id = $1`,
      [integrationId],
    );
    total = counted.rows[0]?.n ?? 0;
  }
  return {
    data: rows.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      actor: r.actor,
      action: r.action,
      route: r.route,
      entityId: r.entity_id,
      integrationId: r.integration_id,
      fields: r.fields,
    })),
    total,
    limit: page.limit,
    offset: page.offset,
  };
}
