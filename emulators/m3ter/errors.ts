/** Errors the API answers with (`{code, message}` bodies) and the control's own error. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string = defaultCode(status),
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

function defaultCode(status: number): string {
  if (status === 400) return 'BAD_REQUEST';
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 429) return 'TOO_MANY_REQUESTS';
  if (status >= 500) return 'INTERNAL_SERVER_ERROR';
  return 'ERROR';
}

export const apiErrors = {
  notFound: (kind: string, id: string) => new ApiError(404, `${kind} with id ${id} not found`),
  badRequest: (message: string) => new ApiError(400, message),
  versionMismatch: (kind: string, current: number) =>
    new ApiError(409, `${kind} version mismatch: the current version is ${current}`, 'VERSION_CONFLICT'),
};

export class ControlError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}
