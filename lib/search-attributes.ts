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
 * Registers the custom search attributes of temporal.yaml that the namespace lacks. Idempotent, so
 * every start (also on an existing persistence file) may call it.
 */
export async function ensureSearchAttributes(connection: Connection, settings: TemporalSettings): Promise<string[]> {
  const { namespace } = settings;
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing: Record<string, IndexedValueType> = {};
  for (const [name, type] of Object.entries(settings.searchAttributes)) {
    if (!(name in (existing.customAttributes ?? {}))) missing[name] = TYPES[type]!;
  }
  if (Object.keys(missing).length > 0) {
    try {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
    } catch (error) {
      // Another process registered them between our list and add.
      if (!/already exists/i.test((error as Error).message)) throw error;
    }
  }
  return Object.keys(missing);
}
