// Options every destination has, whatever its store: one definition each, so the API validates and
// documents them the same way for GCS, S3 and any sink added later.
import { z } from 'zod';
import { prefixTemplateProblem } from '../../workflows/object-names';

/** How objects are stored (activities/sinks/object-format.ts). Optional: configs from before it have none. */
export const compressionSchema = z.enum(['none', 'gzip'], { error: 'compression must be "none" or "gzip"' }).optional().meta({
  description:
    'Default "none": `….jsonl` objects of OCSF JSON Lines. "gzip": `….jsonl.gz` objects stored as gzip files (Content-Type application/gzip, no Content-Encoding, so every reader gets the stored gzip bytes and can check them against the store\'s hash); metadata auditflow-compression says which.',
  example: 'gzip',
});

/** A refinement for a prefix schema: %Y %m %d %H and nothing else after a `%`. */
export const prefixTemplateRefinement = (prefix: string, ctx: z.core.$RefinementCtx<string>): void => {
  const problem = prefixTemplateProblem(prefix);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
};

/** Said in every prefix's description. */
export const PREFIX_TEMPLATE_DOC =
  'May hold %Y, %m, %d and %H (UTC year, month, day and hour of the first event in each object), e.g. "mondoo/%Y/%m/%d/": date partitions for a data lake; sequence numbers still run 1..N across them.';

/** The view shows the compression only when the config has one (older integrations show none: plain). */
export const compressionView = (compression: 'none' | 'gzip' | undefined): { compression?: 'none' | 'gzip' } => (compression ? { compression } : {});
