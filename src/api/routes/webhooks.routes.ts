import express, { type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { receiveM3terEvent, type WebhookDeps } from '../../bill-sync/webhook-receiver';
import { M3terEventSchema } from '../../bill-sync/m3ter-event';
import { DomainError, ERROR_CODES } from '../../domain/errors';
import { parseOrThrow } from '../../domain/validation';
import { metrics, secondsSince } from '../../platform/metrics';
import type { WebhookKeyring } from '../../settings/m3ter-connection';
import { SIGNATURE_HEADERS, verifyWebhookSignature } from '../webhook-signature';

/** How deliveries are checked (M3TER_WEBHOOK_VERIFY; README "Webhooks"). */
export type SignatureMode = 'enforce' | 'log-only' | 'off';

export interface WebhookRouteOptions {
  /** The configured destination's secret (M3TER_WEBHOOK_SECRET); unset: only the keyring's destinations. */
  secret?: string;
  apiKey?: string;
  toleranceSeconds: number;
  maxBodyBytes: number;
  /** Default 'enforce'. */
  verify?: SignatureMode;
  /** Requests accepted per minute from one source address (default 6000). */
  rateLimitPerMinute?: number;
  /** Also the credentials of the destinations `m3ter:connect` made (default: only `secret` / `apiKey`). */
  keyring?: WebhookKeyring;
  now?: () => number;
}

/** `POST /webhooks/m3ter`: signed m3ter events. Answers as soon as the work is handed to Temporal. */
export function webhookRoutes(deps: WebhookDeps, options: WebhookRouteOptions) {
  return (registry: OpenAPIRegistry): Router => {
    registry.registerPath({
      method: 'post',
      path: '/webhooks/m3ter',
      summary: 'Receive an m3ter event (signed request; see README "Webhooks")',
      security: [],
      request: {
        headers: z.object({
          'x-m3ter-apikey': z.string(),
          'x-m3ter-timestamp': z.string(),
          'x-m3ter-signature': z.string(),
        }),
        body: { content: { 'application/json': { schema: M3terEventSchema } } },
      },
      responses: {
        202: { description: 'Accepted: processed, duplicate, stale or ignored' },
        400: { description: 'Malformed body; `error.details.issues` names each field' },
        401: { description: 'Bad or stale signature' },
        413: { description: 'Body too large' },
        429: { description: 'Too many requests from this address' },
      },
    });
    const router = express.Router();
    const mode = options.verify ?? 'enforce';
    const configured = options.secret ? { secret: options.secret, apiKey: options.apiKey } : undefined;
    const keyring = options.keyring ?? { secretFor: async () => configured };
    router.post(
      '/webhooks/m3ter',
      (_req, res, next) => {
        const started = process.hrtime.bigint();
        res.on('finish', () =>
          metrics.webhookAcknowledgements.observe({ status: String(res.statusCode) }, secondsSince(started)),
        );
        next();
      },
      // Per source address, before the body is read: a flood costs no parsing and starts nothing.
      rateLimit({
        windowMs: 60_000,
        limit: options.rateLimitPerMinute ?? 6000,
        standardHeaders: 'draft-7',
        legacyHeaders: false,
        handler: (_req, _res, next) =>
          next(
            new DomainError(
              ERROR_CODES.RATE_LIMITED,
              `More than ${options.rateLimitPerMinute ?? 6000} webhook requests a minute from this address; try again later`,
            ),
          ),
      }),
      // The signature covers the raw bytes: keep them, parse after verifying.
      express.raw({ type: () => true, limit: options.maxBodyBytes }),
      async (req, res) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const headers = {
          apiKey: req.get(SIGNATURE_HEADERS.apiKey),
          timestamp: req.get(SIGNATURE_HEADERS.timestamp),
          signature: req.get(SIGNATURE_HEADERS.signature),
        };
        const credential = mode === 'off' ? undefined : await keyring.secretFor(headers.apiKey);
        const check =
          mode === 'off'
            ? { ok: true as const }
            : !credential
              ? { ok: false as const, reason: 'unknown API key' }
              : verifyWebhookSignature({
                  secret: credential.secret,
                  expectedApiKey: credential.apiKey,
                  path: req.originalUrl,
                  headers,
                  body,
                  nowMs: options.now?.() ?? Date.now(),
                  toleranceSeconds: options.toleranceSeconds,
                });
        if (!check.ok && mode === 'enforce')
          throw new DomainError(ERROR_CODES.UNAUTHORIZED, `Webhook signature rejected: ${check.reason}`);
        if (!check.ok) {
          // log-only: accepted; what arrived is logged for confirming the scheme (header names, never values).
          deps.logger.warn(
            {
              reason: check.reason,
              headers: Object.keys(req.headers).sort(),
              path: req.originalUrl,
              bodyBytes: body.length,
            },
            'webhook signature did not verify (M3TER_WEBHOOK_VERIFY=log-only: accepted)',
          );
        }
        let json: unknown;
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch (err) {
          throw new DomainError(
            ERROR_CODES.MALFORMED_JSON,
            `Request body is not valid JSON: ${(err as Error).message}`,
          );
        }
        const event = parseOrThrow(M3terEventSchema, json);
        const outcome = await receiveM3terEvent(deps, event);
        res.status(202).json(outcome);
      },
    );
    return router;
  };
}
