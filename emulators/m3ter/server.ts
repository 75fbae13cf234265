/** The emulator's express app: the token endpoint, the API under /organizations/{orgId} and /_emulator. */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { apiHandler, tokenHandler } from './api-routes';
import type { M3terEmulatorControl } from './control';
import { controlRouter } from './control-routes';
import { ApiError } from './errors';
import type { EmulatorState } from './state';

export type EmulatorLog = (message: string, error: unknown) => void;

export function createM3terEmulatorApp(
  state: EmulatorState,
  control: M3terEmulatorControl,
  log: EmulatorLog,
): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.post(
    '/oauth/token',
    express.json({ limit: '64kb' }),
    express.urlencoded({ extended: false, limit: '64kb' }),
    tokenHandler(state),
  );
  app.use('/_emulator', controlRouter(control));
  app.use('/organizations/:orgId', express.json({ limit: '20mb' }));
  app.all('/organizations/:orgId/*rest', apiHandler(state, log));
  app.use((req: Request, res: Response) => {
    res.status(404).json(new ApiError(404, `no resource for ${req.method} ${req.path}`).body());
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const parseFailed =
      typeof err === 'object' &&
      err !== null &&
      'type' in err &&
      (err as { type: unknown }).type === 'entity.parse.failed';
    if (parseFailed) {
      res.status(400).json(new ApiError(400, 'malformed JSON body').body());
      return;
    }
    log(`m3ter emulator: unexpected error on ${req.method} ${req.originalUrl}`, err);
    if (!res.headersSent) res.status(500).json(new ApiError(500, 'internal error').body());
  });
  return app;
}
