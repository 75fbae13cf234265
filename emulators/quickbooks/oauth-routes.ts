/**
 * Intuit's OAuth 2.0 endpoints on the emulator: authorize (auto-approved), token (authorization_code and
 * refresh_token grants), revoke (JSON or form body) and userinfo. Queued faults with `target: 'oauth'`
 * apply to the token and revoke endpoints.
 */
import express, { type Request, type Response, type Router } from 'express';
import { formatDateTime } from './clock';
import { authenticationFailedReply, type ReplyTime } from './errors';
import { applyFault, bearerToken, countOutcome, dropConnection, queryParam, sendReply } from './http';
import { OAUTH_REPLIES } from './replies';
import { asObject, asString } from './json';
import { OAuthError } from './oauth';
import type { EmulatorState } from './state';
import { isValidRealmId } from './store';

export const OAUTH_PATHS = {
  authorize: '/connect/oauth2',
  token: '/oauth2/v1/tokens/bearer',
  revoke: '/v2/oauth2/tokens/revoke',
  userInfo: '/v1/openid_connect/userinfo',
} as const;

function withParams(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

function sendOAuthError(res: Response, e: OAuthError): void {
  sendReply(res, {
    status: e.status,
    body: e.body(),
    headers: e.status === 401 ? { 'www-authenticate': 'Basic realm="Intuit"' } : {},
  });
}

function replyTime(state: EmulatorState): ReplyTime {
  return { nowMs: state.clock.now(), utcOffset: '-07:00' };
}

function authorize(state: EmulatorState) {
  return (req: Request, res: Response): void => {
    state.counters.request('oauth', 'GET oauth authorize');
    countOutcome(state, res);
    const clientId = queryParam(req, 'client_id') ?? '';
    const redirectUri = queryParam(req, 'redirect_uri');
    const stateParam = queryParam(req, 'state');
    if (!redirectUri || !URL.canParse(redirectUri)) {
      sendOAuthError(res, new OAuthError(400, 'invalid_request', 'redirect_uri is missing or not a URL'));
      return;
    }
    const realmId = queryParam(req, 'realmId') ?? queryParam(req, 'realm_id') ?? state.defaultRealmId;
    if (!isValidRealmId(realmId)) {
      sendOAuthError(
        res,
        new OAuthError(400, 'invalid_request', `realmId ${realmId} is not a valid company id`),
      );
      return;
    }
    const scopes = (queryParam(req, 'scope') ?? '').split(/[\s+]+/).filter(Boolean);
    const fail = (error: string) => res.redirect(302, withParams(redirectUri, { error, state: stateParam }));
    try {
      if (queryParam(req, 'response_type') !== 'code') return fail('unsupported_response_type');
      if (scopes.length === 0) return fail('invalid_scope');
      if (queryParam(req, 'emulator_decision') === 'deny') return fail('access_denied');
      const code = state.oauth.authorize({ clientId, redirectUri, scopes, realmId });
      state.store.realm(realmId);
      res.redirect(302, withParams(redirectUri, { code, state: stateParam, realmId }));
    } catch (e) {
      if (e instanceof OAuthError) sendOAuthError(res, e);
      else throw e;
    }
  };
}

function token(state: EmulatorState) {
  return async (req: Request, res: Response): Promise<void> => {
    const body = asObject(req.body) ?? {};
    const grantType = asString(body.grant_type) ?? '';
    state.counters.request('oauth', `POST oauth ${grantType || 'token'}`);
    countOutcome(state, res);
    res.setHeader('Cache-Control', 'no-cache, no-store');
    res.setHeader('Pragma', 'no-cache');
    const decision = state.faults.decide({
      target: 'oauth',
      method: 'POST',
      entity: 'token',
      operation: grantType,
    });
    const mode = await applyFault(state, decision, req, res, () => replyTime(state), OAUTH_REPLIES);
    if (mode === 'handled') return;
    const withHardExpiry =
      String(req.headers['x-include-refresh-token-hard-expires-in'] ?? '').toLowerCase() === 'true';
    try {
      const client = state.oauth.authenticateClient(req.headers.authorization);
      let tokens;
      if (grantType === 'authorization_code') {
        tokens = state.oauth.exchangeCode(
          client,
          asString(body.code),
          asString(body.redirect_uri),
          withHardExpiry,
        );
      } else if (grantType === 'refresh_token') {
        tokens = state.oauth.refresh(client, asString(body.refresh_token), withHardExpiry);
      } else {
        throw new OAuthError(
          400,
          'unsupported_grant_type',
          `grant_type ${grantType || '(none)'} is not supported`,
        );
      }
      if (mode === 'commit-then-drop') dropConnection(req);
      else sendReply(res, { status: 200, body: { ...tokens } });
    } catch (e) {
      if (!(e instanceof OAuthError)) throw e;
      if (mode === 'commit-then-drop') dropConnection(req);
      else sendOAuthError(res, e);
    }
  };
}

function revoke(state: EmulatorState) {
  return async (req: Request, res: Response): Promise<void> => {
    state.counters.request('oauth', 'POST oauth revoke');
    countOutcome(state, res);
    const decision = state.faults.decide({
      target: 'oauth',
      method: 'POST',
      entity: 'revoke',
      operation: 'revoke',
    });
    const mode = await applyFault(state, decision, req, res, () => replyTime(state), OAUTH_REPLIES);
    if (mode === 'handled') return;
    try {
      state.oauth.authenticateClient(req.headers.authorization);
      const tokenValue = asString(asObject(req.body)?.token);
      if (!tokenValue) throw new OAuthError(400, 'invalid_request', 'token is required');
      // RFC 7009: an unknown token is not an error.
      state.oauth.revoke(tokenValue);
      if (mode === 'commit-then-drop') dropConnection(req);
      else sendReply(res, { status: 200, body: '', contentType: 'application/json' });
    } catch (e) {
      if (!(e instanceof OAuthError)) throw e;
      if (mode === 'commit-then-drop') dropConnection(req);
      else sendOAuthError(res, e);
    }
  };
}

function userInfo(state: EmulatorState) {
  return (req: Request, res: Response): void => {
    state.counters.request('oauth', 'GET oauth userinfo');
    countOutcome(state, res);
    const accessToken = bearerToken(req);
    const realmId = accessToken ? state.oauth.realmOfAccessToken(accessToken) : undefined;
    const check = realmId ? state.oauth.checkAccessToken(accessToken, realmId) : undefined;
    if (!realmId || !check?.ok) {
      sendReply(
        res,
        authenticationFailedReply(check && !check.ok ? check.detail : 'Token invalid', replyTime(state)),
      );
      return;
    }
    sendReply(res, {
      status: 200,
      body: {
        sub: `emulator-user-${realmId}`,
        email: 'developer@example.com',
        emailVerified: true,
        givenName: 'Emulator',
        familyName: 'Developer',
        realmId,
        updated_at: formatDateTime(state.clock.now(), '-07:00'),
      },
    });
  };
}

export function oauthRouter(state: EmulatorState): Router {
  const router = express.Router();
  const parse = [
    express.urlencoded({ extended: false }),
    express.json({ type: ['application/json', 'application/*+json'] }),
  ];
  router.get(OAUTH_PATHS.authorize, authorize(state));
  router.post(OAUTH_PATHS.token, ...parse, token(state));
  router.post(OAUTH_PATHS.revoke, ...parse, revoke(state));
  router.get(OAUTH_PATHS.userInfo, userInfo(state));
  return router;
}
