import assert from 'node:assert/strict';
import { captureLogs } from './helpers';

/** The logger's redaction: secret-named fields and HTTP client errors that carry the whole request. */
describe('log redaction', () => {
  it('hides tokens, secrets, authorization headers and the request inside HTTP client errors', () => {
    const { logger, lines } = captureLogs('info');
    const err = Object.assign(new Error('Request failed with status code 400'), {
      // What an axios / intuit-oauth error carries: the request with its Basic auth header and form body.
      config: {
        headers: { Authorization: 'Basic Y2xpZW50OnNlY3JldA==' },
        data: 'grant_type=refresh_token&refresh_token=RT-in-config',
      },
      request: { path: '/oauth2/v1/tokens/bearer', headers: 'authorization: Basic Y2xpZW50OnNlY3JldA==' },
      response: { status: 400, config: { data: 'refresh_token=RT-in-response' } },
      authResponse: { body: '{"access_token":"AT-in-auth-response"}' },
    });
    logger.error({ err }, 'token call failed');
    logger.info({ accessToken: 'AT-top', refreshToken: 'RT-top', clientSecret: 'CS-top' }, 'top level');
    logger.info(
      { credential: { id: 'c1', tokens: { accessToken: 'AT-nested' }, refresh_token: 'RT-nested' } },
      'nested',
    );
    logger.info(
      {
        req: { headers: { authorization: 'Bearer admin-key', 'x-api-key': 'admin-key-2', cookie: 'sid=1' } },
      },
      'request',
    );
    logger.info({ query: { code: 'AUTH-CODE', state: 'x' } }, 'callback');
    logger.warn({ runId: 'r1', code: 'QBO_UNAVAILABLE' }, 'kept');
    const log = lines.join('');
    for (const secret of [
      'Y2xpZW50OnNlY3JldA==',
      'RT-in-config',
      'RT-in-response',
      'AT-in-auth-response',
      'AT-top',
      'RT-top',
      'CS-top',
      'AT-nested',
      'RT-nested',
      'admin-key',
      'sid=1',
      'AUTH-CODE',
    ]) {
      assert.ok(!log.includes(secret), `${secret} was logged`);
    }
    assert.match(log, /Request failed with status code 400/, 'the error message stays');
    assert.match(log, /"code":"QBO_UNAVAILABLE"/, 'failure codes are not secrets');
    assert.match(log, /"id":"c1"/);
  });
});
