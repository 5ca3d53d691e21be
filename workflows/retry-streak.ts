import { setCurrentDetails } from '@temporalio/workflow';
import type { ActivityRetryingReport, RetryingView } from './definitions';

/**
 * The failed attempts of the run's activities, as their `activityRetrying` signals report them: shown
 * in the status query and the UI's current details until that activity succeeds again.
 */
export class RetryStreak {
  private current?: RetryingView & { activity: string };

  constructor(private readonly summary: string) {
    // The start's staticSummary does not survive continue-as-new; current details are shown on every run.
    setCurrentDetails(summary);
  }

  report(report: ActivityRetryingReport): void {
    const same = this.current?.activity === report.activity;
    if (report.lost && same && this.current!.attempt >= report.attempt) return;
    const since = same ? this.current!.since : report.at;
    this.current = { activity: report.activity, attempt: report.attempt, message: report.message, since };
    setCurrentDetails(`${this.summary}\n\n**Retrying**: ${report.activity} attempt ${report.attempt} failed: ${report.message} (failing since ${since})`);
  }

  /** An activity of `activity`'s type succeeded (or, without one, the run ended or was interrupted). */
  clear(activity?: string): void {
    if (!this.current || (activity && this.current.activity !== activity)) return;
    this.current = undefined;
    setCurrentDetails(this.summary);
  }

  view(): RetryingView | undefined {
    return this.current && { attempt: this.current.attempt, message: this.current.message, since: this.current.since };
  }
}
