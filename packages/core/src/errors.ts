/**
 * Typed errors with stable codes. HTTP maps codes to statuses in one table
 * (`http/problem.ts`); nothing else should switch on messages.
 *
 * @module
 */

/** Stable error codes. Renaming one is a breaking change. */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'KEY_NOT_FOUND'
  | 'KEY_REVOKED'
  | 'INVALID_CURSOR'
  | 'CONFLICT'
  | 'DISABLED'
  | 'SECRET_NOT_STORED'
  | 'STORAGE_UNAVAILABLE'
  | 'RATE_LIMITER_UNAVAILABLE'
  /** A management call made too often (key lookups). */
  | 'RATE_LIMITED'
  | 'NOT_FOUND'
  | 'INTERNAL';

/** One problem with one input field. */
export interface FieldIssue {
  /** JSON pointer or dotted path of the field, e.g. `/name`. */
  field: string;
  /** What is wrong, in words a person can act on. */
  message: string;
}

/** Base class of every error keygate throws on purpose. */
export class KeygateError extends Error {
  override name = 'KeygateError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Configuration or a supplied dependency is wrong; thrown at construction. */
export class ConfigError extends KeygateError {
  override name = 'ConfigError';
  constructor(
    message: string,
    readonly issues: FieldIssue[] = [],
    options?: { cause?: unknown },
  ) {
    super('CONFIG_INVALID', message, options);
  }
}

/** Input to a management call is invalid; nothing was changed. */
export class ValidationError extends KeygateError {
  override name = 'ValidationError';
  constructor(
    readonly issues: FieldIssue[],
    options?: { cause?: unknown },
  ) {
    super('VALIDATION_FAILED', issues.map((i) => `${i.field}: ${i.message}`).join('; ') || 'Invalid input', options);
  }
}

/** No actor, or an actor keygate cannot use. */
export class UnauthenticatedError extends KeygateError {
  override name = 'UnauthenticatedError';
  constructor(message = 'Authentication required', options?: { cause?: unknown }) {
    super('UNAUTHENTICATED', message, options);
  }
}

/** The actor lacks the permission named in `permission`. */
export class ForbiddenError extends KeygateError {
  override name = 'ForbiddenError';
  constructor(
    readonly permission: string,
    options?: { cause?: unknown },
  ) {
    super('FORBIDDEN', `Missing permission ${permission}`, options);
  }
}

/** No such key in the actor's tenant (also said for other tenants' keys, so existence does not leak). */
export class KeyNotFoundError extends KeygateError {
  override name = 'KeyNotFoundError';
  constructor(options?: { cause?: unknown }) {
    super('KEY_NOT_FOUND', 'API key not found', options);
  }
}

/** A storage, limiter or other backend failed. */
export class BackendError extends KeygateError {
  override name = 'BackendError';
  constructor(code: 'STORAGE_UNAVAILABLE' | 'RATE_LIMITER_UNAVAILABLE', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A whoami refused because the actor looked up too many keys lately. */
export class LookupLimitedError extends KeygateError {
  override name = 'LookupLimitedError';
  /** Milliseconds until another lookup is allowed. */
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number) {
    super('RATE_LIMITED', 'Too many key lookups; try again later');
    this.retryAfterMs = retryAfterMs;
  }
}

/** Whether `value` is a keygate error, optionally with the given code. */
export function isKeygateError(value: unknown, code?: ErrorCode): value is KeygateError {
  return value instanceof KeygateError && (code === undefined || value.code === code);
}
