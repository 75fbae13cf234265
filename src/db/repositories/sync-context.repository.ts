import { z } from 'zod';
import { DestinationSchema, type Destination, type Integration } from '../../domain/integration-settings';
import type { QboDocument } from '../../domain/invoice';
import { AccountSchema, BillSchema, type Account } from '../../domain/m3ter';
import { toBillDocument, type BillDocument } from './bill-documents.repository';
import type { StoredBill } from './bills.repository';
import type { Queryable } from './common';
import type { M3terObjectSource } from './m3ter-objects';
import { toIntegration, type IntegrationRow } from './integrations';
import { documentOfRow, RUN_COLUMNS, toRun, type IntegrationRun } from './runs.repository';

/**
 * Everything one sync step reads, in one query: the integration (with its credential's status and the
 * QuickBooks company it is connected to), the newest stored version of the bill, its account as we know it,
 * and — for a run — the run and the document it built. Each part is null when it does not exist (any more).
 */
export interface BillContextRow {
  integration: Integration | null;
  realmId: string | null;
  bill: StoredBill | null;
  account: Account | null;
  /** Where the account came from and when m3ter was last asked (for the reference cache). */
  accountState: { source: M3terObjectSource; fetchedAt: string | null } | null;
}

/** An Account → Customer mapping that may apply to the run's integration (resolveMapping picks). */
export interface CustomerMappingCandidate {
  externalId: string;
  externalSystem: Destination;
  integrationConfigId: string | null;
}

export interface RunContextRow extends BillContextRow {
  run: IntegrationRun;
  document: QboDocument | null;
  /** The bill's QuickBooks document as recorded for the integration (none yet: null). */
  link: BillDocument | null;
  /** The account's customer mappings in the integration's system, unlinked or linked to it. */
  customerMappings: CustomerMappingCandidate[];
}

const SELECT = `
  i.id AS i_id, i.settings AS i_settings, i.enabled AS i_enabled, i.credential_id AS i_credential_id,
  i.disabled_at AS i_disabled_at, i.disabled_reason AS i_disabled_reason,
  i.consecutive_failures AS i_consecutive_failures, i.version AS i_version, i.created_at AS i_created_at,
  i.updated_at AS i_updated_at, c.status AS c_status, c.realm_id AS c_realm_id,
  b.content AS b_content, b.version AS b_version, b.content_hash AS b_content_hash, b.received_at AS b_received_at,
  a.data AS a_data, a.source AS a_source, a.fetched_at AS a_fetched_at`;

const JOINS = (accountId: string) => `
  LEFT JOIN credentials c ON c.id = i.credential_id
  LEFT JOIN m3ter_objects a ON a.kind = 'Account' AND a.id = ${accountId} AND a.deleted_at IS NULL`;

const CustomerMappingsSchema = z.array(
  z.object({
    externalId: z.string(),
    externalSystem: DestinationSchema,
    integrationConfigId: z.string().nullable(),
  }),
);

const ContextRowSchema = z.object({
  i_id: z.string().nullable(),
  i_settings: z.unknown(),
  i_enabled: z.boolean().nullable(),
  i_credential_id: z.string().nullable(),
  i_disabled_at: z.date().nullable(),
  i_disabled_reason: z.string().nullable(),
  i_consecutive_failures: z.number().nullable(),
  i_version: z.number().nullable(),
  i_created_at: z.date().nullable(),
  i_updated_at: z.date().nullable(),
  c_status: z.string().nullable(),
  c_realm_id: z.string().nullable(),
  b_content: z.unknown(),
  b_version: z.number().nullable(),
  b_content_hash: z.string().nullable(),
  b_received_at: z.date().nullable(),
  a_data: z.unknown(),
  a_source: z.enum(['api', 'webhook', 'm3ter']).nullable(),
  a_fetched_at: z.date().nullable(),
});

function toBillContext(raw: unknown): BillContextRow {
  const row = ContextRowSchema.parse(raw);
  const integration =
    row.i_id === null
      ? null
      : toIntegration({
          id: row.i_id,
          settings: row.i_settings,
          enabled: row.i_enabled ?? false,
          credential_id: row.i_credential_id,
          credential_status: row.c_status,
          disabled_at: row.i_disabled_at,
          disabled_reason: row.i_disabled_reason,
          consecutive_failures: row.i_consecutive_failures ?? 0,
          version: row.i_version ?? 1,
          created_at: row.i_created_at ?? new Date(0),
          updated_at: row.i_updated_at ?? new Date(0),
        } satisfies IntegrationRow);
  const bill =
    row.b_content === null || row.b_version === null || row.b_content_hash === null
      ? null
      : {
          bill: BillSchema.parse(row.b_content),
          version: row.b_version,
          contentHash: row.b_content_hash,
          receivedAt: (row.b_received_at ?? new Date(0)).toISOString(),
        };
  const account = row.a_data === null ? null : AccountSchema.safeParse(row.a_data);
  return {
    integration,
    realmId: integration ? row.c_realm_id : null,
    bill,
    account: account?.success ? account.data : null,
    accountState:
      account?.success && row.a_source
        ? { source: row.a_source, fetchedAt: row.a_fetched_at?.toISOString() ?? null }
        : null,
  };
}

/** The context of one run (undefined when the run does not exist). */
export async function loadRunContext(db: Queryable, runId: string): Promise<RunContextRow | undefined> {
  const { rows } = await db.query(
    `SELECT ${RUN_COLUMNS.split(',')
      .map((c) => `r.${c.trim()}`)
      .join(', ')}, r.payload, ${SELECT}
       , to_jsonb(d) AS d_link,
       (SELECT coalesce(json_agg(json_build_object('externalId', m.external_id, 'externalSystem', m.external_system,
                'integrationConfigId', m.integration_config_id) ORDER BY m.created_at, m.id), '[]'::json)
        FROM external_mappings m
        WHERE m.m3ter_entity = 'Account' AND m.m3ter_id = COALESCE(b.account_id, r.account_id)
          AND m.external_system = i.destination
          AND (m.integration_config_id IS NULL OR m.integration_config_id = i.id)) AS customer_mappings
     FROM integration_runs r
     LEFT JOIN integrations i ON i.id = r.integration_id
     LEFT JOIN bills b ON b.id = r.bill_id
     LEFT JOIN bill_documents d ON d.integration_id = r.integration_id AND d.bill_id = r.bill_id
     ${JOINS('COALESCE(b.account_id, r.account_id)')}
     WHERE r.id = $1`,
    [runId],
  );
  const row = rows[0] as Record<string, unknown> | undefined;
  if (!row) return undefined;
  return {
    ...toBillContext(row),
    run: toRun(row),
    document: documentOfRow({ document_type: row.document_type, payload: row.payload }),
    link: row.d_link ? toBillDocument(row.d_link) : null,
    customerMappings: CustomerMappingsSchema.parse(row.customer_mappings),
  };
}

/** The context of a bill for an integration, without a run (previews). */
export async function loadBillContext(
  db: Queryable,
  integrationId: string,
  billId: string,
): Promise<BillContextRow> {
  const { rows } = await db.query(
    `SELECT ${SELECT}
     FROM (SELECT 1) one
     LEFT JOIN integrations i ON i.id = $1::uuid
     LEFT JOIN bills b ON b.id = $2 ${JOINS('b.account_id')}`,
    [integrationId, billId],
  );
  return toBillContext(rows[0]);
}
