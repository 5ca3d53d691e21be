import { CancellationScope, isCancellation } from '@temporalio/workflow';

/** The cancellation scopes of the activities in flight, which a pause or delete cancels. */
export class InFlight {
  private readonly scopes = new Set<CancellationScope>();
  /** Whether anything was cancelled since the run began (a cancellation we caused, not a bug). */
  interrupted = false;

  constructor(readonly cancels: boolean) {}

  /** Runs `body` in a scope that cancelAll() cancels (before the patch: as it ran then, in `scope` if given). */
  run<T>(body: () => Promise<T>, scope?: CancellationScope): Promise<T> {
    if (!this.cancels) return scope ? scope.run(body) : body();
    scope ??= new CancellationScope();
    this.scopes.add(scope);
    const result = scope.run(body);
    const forget = () => void this.scopes.delete(scope);
    result.then(forget, forget);
    return result;
  }

  cancelAll(): void {
    if (this.scopes.size > 0) this.interrupted = true;
    for (const scope of this.scopes) scope.cancel();
    this.scopes.clear();
  }

  /** Whether `error` is the cancellation a pause or delete caused. */
  causedBy(error: unknown): boolean {
    return this.cancels && this.interrupted && isCancellation(error);
  }
}
