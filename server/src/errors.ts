// Expected failures a caller can act on. Services throw these; the GraphQL layer turns them
// into typed results / error codes. Anything else is a bug or an outage and is masked.

export abstract class FlowdeckError extends Error {
  abstract readonly code: string;
}

export class NotFoundError extends FlowdeckError {
  readonly code = 'NOT_FOUND';
  constructor(readonly entity: string, readonly id: string) {
    // The same message whether the row is missing or belongs to another tenant.
    super(`${entity} ${id} was not found`);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends FlowdeckError {
  readonly code = 'CONFLICT';
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

export interface InputProblem {
  /** JSON Pointer (for definitions) or the input field name. */
  path: string;
  message: string;
}

export class ValidationError extends FlowdeckError {
  readonly code = 'BAD_USER_INPUT';
  constructor(readonly problems: InputProblem[], message = 'The input is invalid') {
    super(`${message}: ${problems.map((p) => `${p.path || '/'} ${p.message}`).join('; ')}`);
    this.name = 'ValidationError';
  }
}

export class RateLimitedError extends FlowdeckError {
  readonly code = 'RATE_LIMITED';
  constructor(readonly retryAfterMs: number) {
    super(`Too many requests; retry in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.name = 'RateLimitedError';
  }
}

/**
 * PostgreSQL is unreachable (restart, failover, network cut): nothing was done, and the same
 * request can be sent again after retryAfterMs. HTTP 503 with Retry-After.
 */
export class ServiceUnavailableError extends FlowdeckError {
  readonly code = 'SERVICE_UNAVAILABLE';
  constructor(readonly retryAfterMs = 2_000) {
    super(`The database is unavailable; retry in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.name = 'ServiceUnavailableError';
  }
}

/** The caller's role is below what this object asks for (e.g. an approval's approverRole). Nothing was written. */
export class ForbiddenError extends FlowdeckError {
  readonly code = 'FORBIDDEN';
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

/** An approval (or other waitpoint) was already decided, timed out or cancelled; the first outcome stands. */
export class AlreadyDecidedError extends FlowdeckError {
  readonly code = 'ALREADY_DECIDED';
  constructor(readonly status: string) {
    super(`This approval was already decided (${status})`);
    this.name = 'AlreadyDecidedError';
  }
}
