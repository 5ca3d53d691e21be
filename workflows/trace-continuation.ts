// Bundled only with tracing on (lib/tracing.ts lists it after @temporalio/interceptors-opentelemetry's
// workflow interceptors, so it sees the header they add): where an export run ends, its trace ends. An
// integration's workflow continues as new after every run and waits for the next one in the new
// execution; carried on, the trace that began at `POST /v1/integrations` would take in one more run every
// interval, forever. So the next execution's RunWorkflow starts a trace of its own (its spans name the
// workflow id and the run it continued from). A continue-as-new in the middle of a run (a long backfill,
// `runInProgress` set) keeps the trace: one run, one trace. Headers only, no command changes: replay-safe.
import type { ContinueAsNewInput, Next, WorkflowInterceptorsFactory, WorkflowOutboundCallsInterceptor } from '@temporalio/workflow';
import type { ExportWorkflowInput } from './definitions';

/** The header in which @temporalio/interceptors-opentelemetry carries the span context (its TRACE_HEADER). */
const TRACE_HEADER = '_tracer-data';

class RunBoundTraces implements WorkflowOutboundCallsInterceptor {
  async continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>): Promise<never> {
    const [arg] = input.args as [Partial<ExportWorkflowInput> | undefined];
    if (arg?.state && !arg.state.runInProgress) {
      const headers = { ...input.headers };
      delete headers[TRACE_HEADER];
      return next({ ...input, headers });
    }
    return next(input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ outbound: [new RunBoundTraces()] });
