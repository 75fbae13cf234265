/**
 * The one error the m3ter client throws. Its message and fields never carry the API secret or an access
 * token: the client redacts both from anything taken from a response before building it.
 */
export type M3terErrorKind =
  /** m3ter answered with a non-2xx status. */
  | 'http'
  /** No response: connection refused or reset, DNS, TLS. */
  | 'network'
  /** No response within `timeoutMs`. */
  | 'timeout'
  /** A 2xx whose body is not the JSON shape expected. */
  | 'invalid_response';

export interface M3terApiErrorDetails {
  kind: M3terErrorKind;
  method: string;
  /** URL path without query string or host, e.g. `/organizations/<orgId>/bills/<id>`. */
  path: string;
  status?: number;
  code?: string;
  /** m3ter's message (from the body) or a description of what went wrong. */
  detail: string;
  retryable: boolean;
  /** Attempts made, including the last one. */
  attempts: number;
  /** `Retry-After` of the last response, in ms, when it had one. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class M3terApiError extends Error {
  readonly kind: M3terErrorKind;
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly detail: string;
  readonly retryable: boolean;
  readonly attempts: number;
  readonly retryAfterMs: number | undefined;

  constructor(details: M3terApiErrorDetails) {
    const what = details.status !== undefined ? `HTTP ${details.status}` : details.kind;
    const code = details.code !== undefined ? ` ${details.code}` : '';
    super(`m3ter ${details.method} ${details.path} failed (${what}${code}): ${details.detail}`, {
      cause: details.cause,
    });
    this.name = 'M3terApiError';
    this.kind = details.kind;
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.code = details.code;
    this.detail = details.detail;
    this.retryable = details.retryable;
    this.attempts = details.attempts;
    this.retryAfterMs = details.retryAfterMs;
  }
}

export function isM3terApiError(err: unknown): err is M3terApiError {
  return err instanceof M3terApiError;
}
