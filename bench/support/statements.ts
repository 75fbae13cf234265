import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/db/pool';

/**
 * PostgreSQL statements the service's processes send, counted by the server (pg_stat_statements) under a
 * role of their own, so the bench's own queries (it watches the runs) are not counted. Available when the
 * server loads the extension (`shared_preload_libraries=pg_stat_statements`; the bench's embedded server
 * does, and a DATABASE_URL server may).
 */
export interface StatementCounter {
  /** The service's connection string (its own role). */
  serviceUrl: string;
  /** Statements the service has sent so far, or undefined when the server cannot count them. */
  count(): Promise<number | undefined>;
  /** Calls so far by normalized statement text (empty when the server cannot count them). */
  byStatement(): Promise<Map<string, number>>;
}

export async function statementCounter(db: Db, databaseUrl: string): Promise<StatementCounter> {
  const role = `qbo_service_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await db.query(`CREATE ROLE ${role} LOGIN SUPERUSER PASSWORD '${password}'`);
  const url = new URL(databaseUrl);
  url.username = role;
  url.password = password;
  const available = await db
    .query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
    .then(() => db.query('SELECT 1 FROM pg_stat_statements LIMIT 1'))
    .then(
      () => true,
      () => false,
    );
  const counter: StatementCounter = {
    serviceUrl: url.toString(),
    async count() {
      if (!available) return undefined;
      let total = 0;
      for (const calls of (await counter.byStatement()).values()) total += calls;
      return total;
    },
    async byStatement() {
      if (!available) return new Map();
      const { rows } = await db.query<{ query: string; calls: string }>(
        `SELECT query, sum(calls)::text AS calls FROM pg_stat_statements
         WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = $1)
           AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
         GROUP BY query`,
        [role],
      );
      return new Map(rows.map((r) => [r.query.replace(/\s+/g, ' ').trim(), Number(r.calls)]));
    },
  };
  return counter;
}
