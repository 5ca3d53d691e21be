import { ApplicationFailure } from '@temporalio/activity';
import type { ExportErrorKind } from '../contracts/errors';

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
