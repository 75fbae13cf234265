/**
 * Errors the domain raises, each with a stable code. The HTTP edge maps codes to statuses
 * (src/api/http-errors.ts); nothing below the edge knows about HTTP.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  NOT_FOUND: 'NOT_FOUND',
  VERSION_CONFLICT: 'VERSION_CONFLICT',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  INVALID_STATE: 'INVALID_STATE',
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** A console (cookie) request that changes state without the session's X-CSRF-Token. */
  CSRF_TOKEN_INVALID: 'CSRF_TOKEN_INVALID',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  MALFORMED_JSON: 'MALFORMED_JSON',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  RATE_LIMITED: 'RATE_LIMITED',
  /** A reconciliation action asked for a result it does not fix (e.g. adopt for anything but UNLINKED). */
  ACTION_NOT_APPLICABLE: 'ACTION_NOT_APPLICABLE',
  /** The document is paid or partly paid in QuickBooks: it is never updated. */
  DOCUMENT_PAID: 'DOCUMENT_PAID',
  /** A replay was asked for a bill that has no failed run. */
  NO_FAILED_RUN: 'NO_FAILED_RUN',
  /** The document a result names is no longer in QuickBooks as the result says (gone, or without the marker). */
  DOCUMENT_CHANGED: 'DOCUMENT_CHANGED',
  /** PostgreSQL or the Temporal server cannot be reached: nothing was taken, send it again (Retry-After). */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
} as const;
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `settings.accountFilter` or `lineItems.2.subtotal`. */
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export class ValidationError extends DomainError {
  constructor(
    message: string,
    readonly issues: FieldIssue[],
  ) {
    super(ERROR_CODES.VALIDATION_FAILED, message, { issues });
    this.name = 'ValidationError';
  }

  static field(field: string, message: string): ValidationError {
    return new ValidationError(`${field}: ${message}`, [{ field, message }]);
  }
}

export class NotFoundError extends DomainError {
  constructor(entity: string, id: string) {
    super(ERROR_CODES.NOT_FOUND, `${entity} ${id} not found`, { entity, id });
    this.name = 'NotFoundError';
  }
}

export class VersionConflictError extends DomainError {
  constructor(entity: string, id: string, expected: number, actual: number) {
    super(
      ERROR_CODES.VERSION_CONFLICT,
      `${entity} ${id} is at version ${actual}, not ${expected}; read it again and retry`,
      { entity, id, expectedVersion: expected, currentVersion: actual },
    );
    this.name = 'VersionConflictError';
  }
}

export class AlreadyExistsError extends DomainError {
  constructor(message: string, details?: unknown) {
    super(ERROR_CODES.ALREADY_EXISTS, message, details);
    this.name = 'AlreadyExistsError';
  }
}
