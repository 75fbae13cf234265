import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import express, { type Router } from 'express';
import { z } from 'zod';
import {
  processQuickBooksNotifications,
  type QuickBooksChangesOutcome,
} from '../../bill-sync/quickbooks-notifications';
import type { Db } from '../../db/pool';
import { DomainError, ERROR_CODES } from '../../domain/errors';
import { parseIntuitNotifications, verifyIntuitSignature } from '../../domain/quickbooks-webhook';
import type { Logger } from '../../platform/logger';
import type { QuickBooksConnector } from '../../quickbooks/connector';

export interface QuickBooksWebhookOptions {
  /** The Intuit app's webhook verifier token (QBO_WEBHOOK_VERIFIER_TOKEN); unset: the route answers 409. */
  verifierToken?: string;
  maxBodyBytes: number;
}

/**
 * `POST /webhooks/quickbooks`: Intuit's change notifications. Verified, acknowledged at once (Intuit wants an
 * answer within 3 s), processed afterwards; a repeated notification changes nothing.
 */
export function quickBooksWebhookRoutes(
  deps: {
    db: Db;
    logger: Logger;
    /** Reads a linked document after an update, to learn whether it was paid. */
    connector?: QuickBooksConnector;
    onProcessed?: (outcome: QuickBooksChangesOutcome) => void;
  },
  options: QuickBooksWebhookOptions,
) {
  return (registry: OpenAPIRegistry): Router => {
    registry.registerPath({
      method: 'post',
      path: '/webhooks/quickbooks',
      summary: 'Receive QuickBooks change notifications (legacy eventNotifications or CloudEvents; signed)',
      security: [],
      request: {
        headers: z.object({ 'intuit-signature': z.string() }),
        body: { content: { 'application/json': { schema: z.unknown() } } },
      },
      responses: {
        200: { description: 'Accepted (processed asynchronously)' },
        400: { description: 'Not JSON' },
        401: { description: 'Bad signature' },
        409: { description: 'No verifier token is configured' },
      },
    });
    const router = express.Router();
    router.post(
      '/webhooks/quickbooks',
      express.raw({ type: () => true, limit: options.maxBodyBytes }),
      (req, res) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        if (!options.verifierToken)
          throw new DomainError(
            ERROR_CODES.INVALID_STATE,
            'QuickBooks webhooks are not configured (QBO_WEBHOOK_VERIFIER_TOKEN)',
          );
        if (!verifyIntuitSignature(options.verifierToken, body, req.get('intuit-signature')))
          throw new DomainError(ERROR_CODES.UNAUTHORIZED, 'QuickBooks webhook signature rejected');
        let json: unknown;
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch (err) {
          throw new DomainError(
            ERROR_CODES.MALFORMED_JSON,
            `Request body is not valid JSON: ${(err as Error).message}`,
          );
        }
        const { notifications, unreadable } = parseIntuitNotifications(json);
        if (unreadable)
          deps.logger.warn({ unreadable }, 'QuickBooks webhook: some notifications could not be read');
        res.status(200).json({ received: notifications.length });
        processQuickBooksNotifications(deps, notifications).then(
          (outcome) => deps.onProcessed?.(outcome),
          (err: unknown) =>
            deps.logger.error({ err }, 'QuickBooks webhook notifications could not be processed'),
        );
      },
    );
    return router;
  };
}
