// The slice of Endor Labs' list filter language the exporter uses: `meta.create_time` compared with
// `date(<RFC 3339>)`, clauses joined by `and`. Anything else is a 400, as the real API rejects a filter
// it cannot parse, so a client that sends something else finds out in tests, not in production.
import { parseMicros } from './time';

export type CompareOp = '>=' | '>' | '<' | '<=' | '==';
export interface TimeClause {
  op: CompareOp;
  micros: number;
}

export class FilterError extends Error {}

const CLAUSE = /^meta\.create_time\s*(>=|<=|==|>|<)\s*date\(([^()\s]+)\)$/;

export function parseFilter(filter: string | null): TimeClause[] {
  if (filter === null || filter.trim() === '') return [];
  return filter.split(/\s+and\s+/i).map((text) => {
    const m = CLAUSE.exec(text.trim());
    if (!m) throw new FilterError(`invalid filter clause: ${JSON.stringify(text.trim())}`);
    const micros = parseMicros(m[2]!);
    if (micros === undefined) throw new FilterError(`invalid date in filter: ${JSON.stringify(m[2])}`);
    return { op: m[1] as CompareOp, micros };
  });
}

export function matches(clauses: readonly TimeClause[], micros: number): boolean {
  for (const { op, micros: bound } of clauses) {
    const ok = op === '>=' ? micros >= bound : op === '>' ? micros > bound : op === '<' ? micros < bound : op === '<=' ? micros <= bound : micros === bound;
    if (!ok) return false;
  }
  return true;
}
