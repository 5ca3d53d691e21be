// A destination claim: one running workflow per place an export writes to. Its id is derived from the
// normalized destination and it is started with a fail-on-conflict policy, so Temporal itself decides
// which of two concurrent creates gets a bucket and prefix (api/destination-claims.ts). It holds no
// state and does nothing but wait until someone frees the place on purpose.
import { condition, defineSignal, setHandler } from '@temporalio/workflow';

export const DESTINATION_CLAIM_WORKFLOW_TYPE = 'destinationClaimWorkflow';
export const destinationClaimWorkflowId = (destinationHash: string): string => `destination-claim-${destinationHash}`;
/** Ends the claim: a new integration may then write to the place. */
export const releaseClaimSignal = defineSignal('release');

export async function destinationClaimWorkflow(): Promise<void> {
  let released = false;
  setHandler(releaseClaimSignal, () => {
    released = true;
  });
  await condition(() => released);
}
