import { z } from 'zod';

/**
 * The body of an m3ter webhook delivery (an m3ter Event): its id and name, and the object it is about in
 * `m3terEvent.eventData.newDto` (for deletes, `oldDto`). The objects themselves are validated by kind.
 */
export const M3terEventSchema = z.looseObject({
  id: z.string().min(1).max(200),
  eventName: z
    .string()
    .regex(/^[a-z]+\.[a-z]+\.[a-zA-Z]+$/, 'expected an m3ter event name such as billing.bill.updated'),
  eventTime: z.string().optional(),
  m3terEvent: z.looseObject({
    eventData: z.looseObject({
      newDto: z.record(z.string(), z.unknown()).nullish(),
      oldDto: z.record(z.string(), z.unknown()).nullish(),
    }),
  }),
});
export type M3terEvent = z.infer<typeof M3terEventSchema>;

export type EventAction =
  | { kind: 'bill'; op: 'upsert' | 'delete' }
  | {
      kind: 'reference';
      entity: 'account' | 'product' | 'aggregation' | 'compoundaggregation';
      op: 'upsert' | 'delete';
    }
  | { kind: 'ignored' };

/** What an event name asks of us. */
export function actionFor(eventName: string): EventAction {
  const [family, entity, verb] = eventName.split('.');
  const op = verb === 'deleted' ? 'delete' : verb === 'created' || verb === 'updated' ? 'upsert' : undefined;
  if (!op) return { kind: 'ignored' };
  if (family === 'billing' && entity === 'bill') return { kind: 'bill', op };
  if (
    family === 'configuration' &&
    (entity === 'account' ||
      entity === 'product' ||
      entity === 'aggregation' ||
      entity === 'compoundaggregation')
  ) {
    return { kind: 'reference', entity, op };
  }
  return { kind: 'ignored' };
}
