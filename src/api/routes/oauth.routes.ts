import express, { type Request, type Response, type Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { Credential } from '../../domain/credential';
import {
  ConnectFlowError,
  completeAuthorization,
  disconnect,
  startAuthorization,
  type ConnectFlowDeps,
} from '../../quickbooks/connect-flow';
import { parseOrThrow } from '../../domain/validation';
import { CredentialResponse } from './credentials.routes';
import { IdParams } from './route-kit';

/**
 * The QuickBooks connect flow over HTTP (spec §9):
 * - `GET /credentials/{id}/connect` (admin): 302 to Intuit's authorize URL; `Accept: application/json` gets
 *   `{authorizeUrl, expiresAt}` instead, for a UI that opens the URL itself.
 * - `GET /oauth/quickbooks/callback` (public: the browser arrives from Intuit; the single-use state is the check).
 * - `POST /credentials/{id}/disconnect` (admin): revoke at Intuit, clear the tokens → REVOKED.
 */

export const CALLBACK_PATH = '/oauth/quickbooks/callback';

const AuthorizeResponse = z
  .object({
    authorizeUrl: z.string(),
    expiresAt: z.string().describe('ISO 8601; the authorization must finish before'),
  })
  .meta({ id: 'AuthorizeRedirect' });

const CallbackQuery = z.object({
  code: z.string().max(2000).optional(),
  state: z.string().max(200).optional(),
  realmId: z.string().max(100).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1000).optional(),
});

const ConnectedResponse = z
  .object({ status: z.literal('connected'), credential: CredentialResponse })
  .meta({ id: 'QuickBooksConnected' });

/** Admin routes: start a connection, disconnect. */
export function quickBooksConnectRoutes(deps: ConnectFlowDeps) {
  return (registry: OpenAPIRegistry): Router => {
    registry.registerPath({
      method: 'get',
      path: '/credentials/{id}/connect',
      tags: ['Credentials'],
      summary: "Connect a credential to a QuickBooks company: redirects to Intuit's authorize page",
      description:
        'Issues a single-use state (valid 10 minutes) bound to the credential. The QuickBooks administrator authorizes the app at Intuit, ' +
        'which redirects back to /oauth/quickbooks/callback. Send `Accept: application/json` to get the URL instead of a redirect.',
      request: { params: IdParams },
      responses: {
        302: { description: "Redirect to Intuit's authorize URL (scope com.intuit.quickbooks.accounting)" },
        200: {
          description: 'With Accept: application/json',
          content: { 'application/json': { schema: AuthorizeResponse } },
        },
        401: { description: 'Missing or invalid API key' },
        404: { description: 'Unknown credential' },
      },
    });
    registry.registerPath({
      method: 'post',
      path: '/credentials/{id}/disconnect',
      tags: ['Credentials'],
      summary: "Disconnect: revoke the credential's grant at Intuit and forget its tokens (→ REVOKED)",
      request: { params: IdParams },
      responses: {
        200: { description: 'Revoked', content: { 'application/json': { schema: CredentialResponse } } },
        401: { description: 'Missing or invalid API key' },
        404: { description: 'Unknown credential' },
        502: { description: 'Intuit could not be reached or refused the app; nothing changed' },
      },
    });

    const router = express.Router();
    router.get('/credentials/:id/connect', async (req, res) => {
      const { id } = parseOrThrow(IdParams, req.params, 'params');
      const started = await startAuthorization(deps, id);
      res.set('Cache-Control', 'no-store');
      if (wantsJson(req)) res.json(started);
      else res.redirect(302, started.authorizeUrl);
    });
    router.post('/credentials/:id/disconnect', async (req, res) => {
      const { id } = parseOrThrow(IdParams, req.params, 'params');
      try {
        res.json(await disconnect(deps, id));
      } catch (err) {
        if (!(err instanceof ConnectFlowError)) throw err;
        res.status(err.status).json({ error: { code: err.code, message: err.message } });
      }
    });
    return router;
  };
}

/** The public callback Intuit redirects the browser to. */
export function quickBooksCallbackRoutes(deps: ConnectFlowDeps) {
  return (registry: OpenAPIRegistry): Router => {
    registry.registerPath({
      method: 'get',
      path: CALLBACK_PATH,
      tags: ['Credentials'],
      summary: "Intuit's OAuth 2.0 redirect: exchanges the code, stores the tokens (sealed) → AUTHORIZED",
      description:
        'Public (no API key): the single-use, expiring state issued by /credentials/{id}/connect authorizes the call. HTML for a browser, JSON with Accept: application/json.',
      security: [],
      request: { query: CallbackQuery },
      responses: {
        200: {
          description: 'Connected',
          content: { 'application/json': { schema: ConnectedResponse }, 'text/html': { schema: z.string() } },
        },
        400: {
          description:
            'Unknown, used or expired state; declined (access_denied); code refused. Nothing stored',
        },
        409: { description: 'The credential belongs to another QuickBooks company' },
        502: { description: 'Intuit could not be reached' },
      },
    });
    const router = express.Router();
    router.get(CALLBACK_PATH, async (req, res) => {
      // The URL carries a one-time code: keep it out of caches and out of Referer headers of anything the page loads.
      res.set({
        'Cache-Control': 'no-store',
        'Referrer-Policy': 'no-referrer',
        'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
      });
      const parsed = CallbackQuery.safeParse(req.query);
      if (!parsed.success) {
        answer(req, res, 400, { code: 'INVALID_CALLBACK', message: 'The callback parameters are malformed' });
        return;
      }
      try {
        const credential = await completeAuthorization(deps, parsed.data);
        answer(req, res, 200, undefined, credential);
      } catch (err) {
        if (!(err instanceof ConnectFlowError)) throw err;
        // The code: never the query (it holds the authorization code and the state).
        deps.logger?.warn(
          { code: err.code, status: err.status },
          'QuickBooks authorization callback refused',
        );
        answer(req, res, err.status, { code: err.code, message: err.message });
      }
    });
    return router;
  };
}

function wantsJson(req: Request): boolean {
  return req.accepts(['text/html', 'application/json']) === 'application/json';
}

function answer(
  req: Request,
  res: Response,
  status: number,
  error: { code: string; message: string } | undefined,
  credential?: Credential,
): void {
  res.status(status);
  if (wantsJson(req)) {
    res.json(error ? { error } : { status: 'connected', credential });
    return;
  }
  const title = error ? 'QuickBooks was not connected' : 'QuickBooks connected';
  const text = error
    ? `${error.message}.`
    : `Credential "${credential?.name ?? ''}" is connected to QuickBooks company ${credential?.realmId ?? ''}. You can close this window.`;
  res
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
        '<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}</style></head>' +
        `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${error ? `<p><code>${escapeHtml(error.code)}</code></p>` : ''}` +
        '<p><a href="/console/credentials">Back to the console</a></p></body></html>',
    );
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
