import type { Db } from '../db/pool';
import { isUuid } from '../db/repositories/common';
import {
  getIntegrationEvent,
  listIntegrationEvents,
  markEventActioned,
  type EventFilter,
  type IntegrationEvent,
} from '../db/repositories/integration-events.repository';
import { getRun, listRuns, type IntegrationRun, type RunFilter } from '../db/repositories/runs.repository';
import { NotFoundError } from '../domain/errors';

/** Where each run's workflow is shown: the Temporal Web UI of this deployment, when known. */
export interface RunLinks {
  temporalUiUrl?: string;
  namespace: string;
}

export type RunView = IntegrationRun & { temporalUrl: string | null };

function withLink(links: RunLinks, run: IntegrationRun): RunView {
  const base = links.temporalUiUrl;
  const workflow = `${base}/namespaces/${encodeURIComponent(links.namespace)}/workflows/${encodeURIComponent(run.workflowId)}`;
  return {
    ...run,
    temporalUrl: base ? (run.workflowRunId ? `${workflow}/${run.workflowRunId}/history` : workflow) : null,
  };
}

/** Runs by integration, bill, status and start time, newest first. Ids that cannot exist match nothing. */
export async function findRuns(db: Db, links: RunLinks, filter: RunFilter): Promise<RunView[]> {
  if (filter.integrationId && !isUuid(filter.integrationId)) return [];
  return (await listRuns(db, filter)).map((run) => withLink(links, run));
}

export async function runById(db: Db, links: RunLinks, id: string): Promise<RunView> {
  const run = isUuid(id) ? await getRun(db, id) : undefined;
  if (!run) throw new NotFoundError('Run', id);
  return withLink(links, run);
}

export async function findEvents(db: Db, filter: EventFilter): Promise<IntegrationEvent[]> {
  if (filter.integrationId && !isUuid(filter.integrationId)) return [];
  return listIntegrationEvents(db, filter);
}

export async function eventById(db: Db, id: string): Promise<IntegrationEvent> {
  const event = isUuid(id) ? await getIntegrationEvent(db, id) : undefined;
  if (!event) throw new NotFoundError('Event', id);
  return event;
}

/** Marks an event actioned (or not again). */
export async function actionEvent(db: Db, id: string, actioned: boolean): Promise<IntegrationEvent> {
  const event = isUuid(id) ? await markEventActioned(db, id, actioned) : undefined;
  if (!event) throw new NotFoundError('Event', id);
  return event;
}
