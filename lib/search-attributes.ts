import { Connection } from '@temporalio/client';
// A CommonJS package: Node's ESM loader cannot see its named exports.
import proto from '@temporalio/proto';
import type { TemporalSettings } from './temporal-config';

type IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;
const IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;
const TYPES: Record<string, IndexedValueType> = {
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Text: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Bool: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/**
 * The namespace lacks search attributes and this process may not add them (Temporal Cloud, or a cluster
 * whose operator API is reserved to admins). Retrying cannot help: start-up fails with the command to run.
 */
export class MissingSearchAttributesError extends Error {
  readonly permanent = true;
  constructor(
    readonly namespace: string,
    readonly missing: Record<string, string>,
    reason: string,
  ) {
    const names = Object.keys(missing);
    const flags = Object.entries(missing)
      .map(([name, type]) => `--name ${name} --type ${type}`)
      .join(' ');
    super(
      `namespace ${namespace} lacks the search attribute${names.length > 1 ? 's' : ''} ${names.join(', ')} and this worker may not add them (${reason}). ` +
        `Run once, with an admin's credentials: temporal operator search-attribute create --namespace ${namespace} ${flags}`,
    );
    this.name = 'MissingSearchAttributesError';
  }
}

function rpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Registers the custom search attributes of temporal.yaml that the namespace lacks. Idempotent, so
 * every start (also on an existing persistence file) may call it. Where adding is refused
 * (PERMISSION_DENIED, UNAUTHENTICATED or UNIMPLEMENTED) it throws MissingSearchAttributesError naming
 * exactly the missing ones.
 */
export async function ensureSearchAttributes(connection: Connection, settings: Pick<TemporalSettings, 'namespace' | 'searchAttributes'>): Promise<string[]> {
  const { namespace } = settings;
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing: Record<string, string> = {};
  for (const [name, type] of Object.entries(settings.searchAttributes)) {
    if (!(name in (existing.customAttributes ?? {}))) missing[name] = type;
  }
  if (Object.keys(missing).length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(Object.entries(missing).map(([name, type]) => [name, TYPES[type]!])),
    });
  } catch (error) {
    // Another process registered them between our list and add.
    if (/already exists/i.test((error as Error).message)) return Object.keys(missing);
    const code = rpcCode(error);
    if (code === 7 || code === 16 || code === 12) throw new MissingSearchAttributesError(namespace, missing, (error as Error).message);
    throw error;
  }
  return Object.keys(missing);
}
