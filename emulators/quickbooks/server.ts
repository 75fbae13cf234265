/** The emulator's express app: intuit_tid on every response, OAuth, the v3 API and the /_emulator controls. */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { EmulatorControl } from './control';
import { controlRouter } from './control-routes';
import { errors, systemFaultReply } from './errors';
import { newIntuitTid, sendReply } from './http';
import { oauthRouter } from './oauth-routes';
import type { EmulatorState } from './state';
import { apiHandler } from './v3-api';

export type EmulatorLog = (message: string, error: unknown) => void;

export function createEmulatorApp(state: EmulatorState, control: EmulatorControl, log: EmulatorLog): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('intuit_tid', newIntuitTid());
    next();
  });
  app.use(oauthRouter(state));
  app.use('/_emulator', controlRouter(control));
  app.use(
    '/v3/company/:realmId',
    express.json({ limit: '20mb', type: ['application/json', 'application/*+json'] }),
    express.text({ limit: '1mb', type: ['application/text', 'text/plain'] }),
  );
  app.all('/v3/company/:realmId/*rest', apiHandler(state, log));
  app.use((req: Request, res: Response) => {
    const t = { nowMs: state.clock.now(), utcOffset: '-07:00' };
    sendReply(res, {
      ...errors.unsupportedOperation(`No resource method found for ${req.method} ${req.path}`).toReply(t),
      status: 404,
    });
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const t = { nowMs: state.clock.now(), utcOffset: '-07:00' };
    const parseFailed =
      typeof err === 'object' &&
      err !== null &&
      'type' in err &&
      (err as { type: unknown }).type === 'entity.parse.failed';
    if (parseFailed) {
      sendReply(res, errors.malformedBody(err instanceof Error ? err.message : 'invalid JSON').toReply(t));
      return;
    }
    log(`emulator: unexpected error on ${req.method} ${req.originalUrl}`, err);
    sendReply(res, systemFaultReply(t));
  });
  return app;
}
