// Every patch id of the export workflow (`patched(id)`), by name. An id is written into history as a
// marker, so it never changes; each also goes into the secret scan's list (test/integration/secrets.test.ts).
//
// When one can go: executions that began before a patch replay without it, and every export continues
// as new at least once per interval (at most a week, MAX_INTERVAL_MINUTES) or scheduled run (a monthly
// schedule: up to 31 days), a new execution always taking the patched path. So once every worker has
// run a version with the patch for longer than 31 days plus the longest run, no execution without the
// marker is left: the `patched()` call may then become `deprecatePatch(id)` (the old branch goes), and
// after as long again the call may go too.
// Replay fixtures recorded before the patch (test/fixtures/histories/) go with the old branch.

/** The next batch is fetched while the current one is mapped and uploaded (fixtures v1, v2 are older). */
export const PREFETCH_NEXT_BATCH_PATCH = 'prefetch-next-batch';
/** The history bound fell from 4 MB to 2 MB (before the local map). */
export const HISTORY_BOUND_2MB_PATCH = 'history-bound-2mb';
/**
 * The map runs as a local activity in the workflow task that receives the batch, and the history
 * bound (3 MB) counts the next batch in (fixtures v1-v3 are older).
 */
export const MAP_LOCAL_ACTIVITY_PATCH = 'map-local-activity';
/**
 * A pause or a delete cancels the activities in flight and publishes the new `ExportStatus` from the
 * signal handler, instead of waiting for the fetch or upload to finish (fixtures v1-v4 are older).
 */
export const CANCEL_IN_FLIGHT_PATCH = 'cancel-in-flight-on-pause-delete';
/**
 * Each upload also writes its objects' integrity metadata and the batch's signed manifest, chained to
 * the previous one through the state (`lastManifest`): issue 17. An integration's chain starts at the
 * first batch of its first execution with the patch (fixtures v1-v5 are older).
 */
export const EVIDENCE_CHAIN_PATCH = 'evidence-chain';
/**
 * A prefix's %Y %m %d %H are filled from each object's first event time; before, a `%` in a prefix was
 * taken literally. Asked only when the prefix holds a `%` (no older fixture has one).
 */
export const DATED_PREFIX_PATCH = 'dated-prefix';
/**
 * An execution started without the `IntegrationName` search attribute (an integration created before the
 * API set it) upserts it first thing, so the UI's list shows every integration's name after its next
 * continue-as-new. Asked only when the attribute is missing (no older fixture has it).
 */
export const INTEGRATION_NAME_ATTRIBUTE_PATCH = 'integration-name-attribute';
/**
 * The fetch maps its batch and returns the OCSF files (FetchInput.mapTo); the map activity stays for
 * executions that began without it (fixtures v1-v6 are older).
 */
export const MAP_IN_FETCH_PATCH = 'map-in-fetch';
