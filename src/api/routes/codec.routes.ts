import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Request, type RequestHandler, type Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import type { Logger } from '../../platform/logger';

/**
 * Temporal's codec server protocol (temporal.md §3.11): `POST /codec/decode` and `POST /codec/encode` take and
 * return `{"payloads": [{"metadata": {k: base64}, "data": base64}]}`, so the Temporal Web UI (and the CLI's
 * `--codec-endpoint`) can show the encrypted payloads in plaintext to an operator.
 *
 * Who may call it: decoding reveals bill and customer data, so it is not open.
 * - A caller with the admin API key (`Authorization: Bearer <key>` or `X-API-Key`), e.g.
 *   `temporal workflow show --codec-endpoint http://127.0.0.1:3000/codec --codec-auth "Bearer <key>"`.
 * - A browser page served from one of `allowedOrigins` (the Temporal Web UI), which cannot send the API key.
 *   Such requests must carry that `Origin`, and CORS answers only those origins, so no other web page can
 *   read decoded data. Under `npm start` this is the local dev server's UI; in production it is off unless
 *   CODEC_ALLOWED_ORIGINS names the UI, and the API should then be reachable only from the operators' network
 *   (an Origin header is easy to forge outside a browser).
 */

export interface CodecRouteOptions {
  codec: PayloadCodec;
  adminApiKey: string;
  /** Origins (scheme://host:port) of Temporal Web UIs allowed to call from the browser without the key. */
  allowedOrigins: string[];
  maxBodyBytes: number;
  logger?: Logger;
}

const MAX_PAYLOADS = 1000;
const Base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
const JsonPayload = z.object({
  metadata: z.record(z.string(), Base64).nullish(),
  data: Base64.nullish(),
});
const CodecBody = z
  .object({ payloads: z.array(JsonPayload).max(MAX_PAYLOADS) })
  .meta({ id: 'CodecPayloads' });
type JsonPayload = z.infer<typeof JsonPayload>;

export function codecRoutes(options: CodecRouteOptions) {
  return (registry: OpenAPIRegistry): Router => {
    for (const op of ['decode', 'encode'] as const) {
      registry.registerPath({
        method: 'post',
        path: `/codec/${op}`,
        tags: ['Temporal codec'],
        summary:
          op === 'decode'
            ? 'Decrypt Temporal payloads (for the Temporal Web UI / CLI)'
            : 'Encrypt Temporal payloads',
        description:
          'Admin API key, or a browser request from an allowed Temporal Web UI origin (CODEC_ALLOWED_ORIGINS).',
        request: { body: { content: { 'application/json': { schema: CodecBody } } } },
        responses: {
          200: {
            description: 'The payloads, same order',
            content: { 'application/json': { schema: CodecBody } },
          },
          400: { description: 'Malformed body, or a payload that does not decrypt' },
          401: { description: 'Neither the API key nor an allowed origin' },
        },
      });
    }
    const allowed = new Set(
      options.allowedOrigins.map(normalizeOrigin).filter((o): o is string => o !== undefined),
    );
    const expectedKey = digest(options.adminApiKey);
    const hasApiKey = (req: Request): boolean => {
      const header = req.get('authorization');
      const presented = header?.startsWith('Bearer ') ? header.slice(7) : req.get('x-api-key');
      return presented !== undefined && timingSafeEqual(digest(presented), expectedKey);
    };

    const cors: RequestHandler = (req, res, next) => {
      const origin = req.get('origin');
      if (origin && allowed.has(normalizeOrigin(origin) ?? '')) {
        res.set({
          'Access-Control-Allow-Origin': origin,
          'Access-Control-Allow-Credentials': 'true',
          'Access-Control-Allow-Methods': 'POST, OPTIONS',
          'Access-Control-Allow-Headers': 'content-type, x-namespace, authorization',
          'Access-Control-Max-Age': '600',
        });
      }
      res.vary('Origin');
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
      next();
    };
    const guard: RequestHandler = (req, res, next) => {
      const origin = req.get('origin');
      if (hasApiKey(req) || (origin !== undefined && allowed.has(normalizeOrigin(origin) ?? ''))) {
        next();
        return;
      }
      res.status(401).json({
        error: {
          code: 'UNAUTHORIZED',
          message: 'The codec endpoint needs the admin API key or an allowed Temporal Web UI origin',
        },
      });
    };

    const router = express.Router();
    const json = express.json({ limit: options.maxBodyBytes });
    for (const op of ['decode', 'encode'] as const) {
      router.options(`/codec/${op}`, cors);
      router.post(`/codec/${op}`, cors, guard, json, async (req, res) => {
        res.set('Cache-Control', 'no-store');
        const parsed = CodecBody.safeParse(req.body);
        if (!parsed.success) {
          res.status(400).json({
            error: {
              code: 'VALIDATION_FAILED',
              message: 'Expected {"payloads": [{"metadata": {...}, "data": "<base64>"}]}',
            },
          });
          return;
        }
        try {
          const input = parsed.data.payloads.map(fromJson);
          const output =
            op === 'decode' ? await options.codec.decode(input) : await options.codec.encode(input);
          res.json({ payloads: output.map(toJson) });
        } catch (err) {
          // Never the payloads; the message names the problem (unknown key, failed authentication).
          options.logger?.warn(
            { op, error: err instanceof Error ? err.message : String(err) },
            'codec request failed',
          );
          res.status(400).json({
            error: {
              code: 'CODEC_FAILED',
              message: err instanceof Error ? err.message : 'The payloads could not be processed',
            },
          });
        }
      });
    }
    return router;
  };
}

function fromJson(p: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
    ),
    data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
  };
}

function toJson(p: Payload): { metadata: Record<string, string>; data: string } {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [
        k,
        Buffer.from(v ?? new Uint8Array()).toString('base64'),
      ]),
    ),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  };
}

function normalizeOrigin(value: string): string | undefined {
  try {
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
