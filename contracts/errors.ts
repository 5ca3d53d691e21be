// What kinds of failure an export knows, shared by the activities that raise them and the workflow and
// API that show them. No dependency: workflows, activities and the API all import it.

/**
 * Machine-readable kinds of export failures. Non-retryable ones need a person (a token, a bucket, a
 * permission); retrying them only hides the problem, so the run ends at once with status `error`.
 * A connector reuses these kinds (its message says which system and what to do); a new kind is only
 * needed for a failure a person must handle differently.
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
