import { ApplicationFailure } from '@temporalio/activity';

/**
 * Machine-readable kinds of export failures. Non-retryable ones need a person (a token, a bucket, a
 * permission); retrying them only hides the problem, so the run ends at once with status `error`.
 */
export type ExportErrorKind =
  | 'SourceAuth'
  | 'SourceScope'
  | 'SourceRateLimited'
  | 'SourceUnavailable'
  | 'SourceTimeout'
  | 'SourceQueryFailed'
  | 'SourceCursorExpired'
  | 'SourceProtocol'
  | 'SourceRedirected'
  | 'SourceResponseTooLarge'
  | 'DestinationAuth'
  | 'DestinationPermission'
  | 'BucketNotFound'
  | 'DestinationUnavailable'
  | 'ObjectConflict'
  | 'InvalidConfig';

export class ExportError extends Error {
  readonly retryable: boolean;
  readonly retryAfterMs?: number;

  constructor(
    readonly kind: ExportErrorKind,
    message: string,
    options: { retryable: boolean; retryAfterMs?: number },
  ) {
    super(message);
    this.name = 'ExportError';
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** The form Temporal understands: the kind becomes the failure type shown in the UI. */
  toFailure(): ApplicationFailure {
    return ApplicationFailure.create({
      type: this.kind,
      message: this.message,
      nonRetryable: !this.retryable,
      nextRetryDelay: this.retryAfterMs,
    });
  }
}

/** Runs an activity body and converts our errors into Temporal failures with the right retry flag. */
export async function asActivity<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof ExportError) throw error.toFailure();
    throw error;
  }
}
