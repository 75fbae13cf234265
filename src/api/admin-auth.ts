import { timingSafeEqual, createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { DomainError, ERROR_CODES } from '../domain/errors';

/** Admin endpoints need `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function requireApiKey(apiKey: string): RequestHandler {
  const expected = digest(apiKey);
  return (req, _res, next) => {
    const header = req.get('authorization');
    const presented = header?.startsWith('Bearer ') ? header.slice(7) : req.get('x-api-key');
    if (!presented || !timingSafeEqual(digest(presented), expected)) {
      next(
        new DomainError(
          ERROR_CODES.UNAUTHORIZED,
          'Missing or invalid API key (send Authorization: Bearer <key>)',
        ),
      );
      return;
    }
    next();
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
