// A subset of the Logging query language, enough for what auditflow sends and simple user queries:
// comparisons (`=`, `!=`, `<`, `<=`, `>`, `>=`, `:`) of a dotted field path with a string or a bare
// value, `log_id("…")`, parentheses, NOT, and AND/OR (OR binds tighter than AND, as in Logging).
// String comparisons ignore case; `timestamp` compares as a time. Anything else is a 400, as an
// unparsable query is on the real API.
import { timestampKey } from '../../activities/sources/gcp-audit-logs/query';
import type { GcpLogEntry } from '../../activities/sources/gcp-audit-logs/types';

export class FilterError extends Error {}

type Node =
  | { kind: 'and' | 'or'; items: Node[] }
  | { kind: 'not'; item: Node }
  | { kind: 'logId'; value: string }
  | { kind: 'cmp'; path: string[]; op: Op; value: string };
type Op = '=' | '!=' | '<' | '<=' | '>' | '>=' | ':';

type Token = { t: 'str' | 'word' | 'op' | '(' | ')'; v: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ t: c, v: c });
      i++;
    } else if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new FilterError('Unparseable filter: unterminated string');
        const d = text[i]!;
        if (d === '\\') {
          value += text[i + 1] ?? '';
          i += 2;
        } else if (d === '"') {
          i++;
          break;
        } else {
          value += d;
          i++;
        }
      }
      tokens.push({ t: 'str', v: value });
    } else if (/[=!<>:]/.test(c)) {
      const two = text.slice(i, i + 2);
      const op = ['!=', '<=', '>='].includes(two) ? two : c;
      if (op === '!') throw new FilterError('Unparseable filter: "!" must be followed by "="');
      tokens.push({ t: 'op', v: op });
      i += op.length;
    } else {
      const m = /^[^\s()"=!<>:]+/.exec(text.slice(i))!;
      tokens.push({ t: 'word', v: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

export function parseFilter(text: string | undefined): Node {
  if (!text || text.trim() === '') return { kind: 'and', items: [] };
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at];
  const isWord = (v: string) => peek()?.t === 'word' && peek()!.v === v;

  const conjunction = (): Node => {
    const items = [disjunction()];
    // Juxtaposition is an implicit AND.
    while (at < tokens.length && peek()!.t !== ')') {
      if (isWord('AND')) at++;
      items.push(disjunction());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  };
  const disjunction = (): Node => {
    const items = [unary()];
    while (isWord('OR')) {
      at++;
      items.push(unary());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  };
  const unary = (): Node => {
    if (isWord('NOT') || (peek()?.t === 'word' && peek()!.v === '-')) {
      at++;
      return { kind: 'not', item: unary() };
    }
    return primary();
  };
  const primary = (): Node => {
    const token = tokens[at++];
    if (!token) throw new FilterError('Unparseable filter: unexpected end');
    if (token.t === '(') {
      const inner = conjunction();
      if (tokens[at++]?.t !== ')') throw new FilterError('Unparseable filter: missing ")"');
      return inner;
    }
    if (token.t === 'word' && token.v.toLowerCase() === 'log_id' && peek()?.t === '(') {
      at++;
      const value = tokens[at++];
      if (value?.t !== 'str' || tokens[at++]?.t !== ')') throw new FilterError('Unparseable filter: log_id takes one string');
      return { kind: 'logId', value: value.v };
    }
    if (token.t !== 'word') throw new FilterError(`Unparseable filter: unexpected ${JSON.stringify(token.v)}`);
    const op = tokens[at++];
    if (op?.t !== 'op') throw new FilterError(`Unparseable filter: "${token.v}" needs a comparison (global restrictions are not supported by this fake)`);
    const value = tokens[at++];
    if (value?.t !== 'str' && value?.t !== 'word') throw new FilterError(`Unparseable filter: "${token.v}${op.v}" needs a value`);
    return { kind: 'cmp', path: token.v.split('.'), op: op.v as Op, value: value.v };
  };

  const node = conjunction();
  if (at !== tokens.length) throw new FilterError('Unparseable filter: unexpected ")"');
  return node;
}

function valueAt(entry: unknown, path: readonly string[]): unknown {
  let value: unknown = entry;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[segment.replace(/^"|"$/g, '')];
  }
  return value;
}

function compare(op: Op, actual: string, expected: string): boolean {
  switch (op) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case ':':
      return actual.includes(expected);
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected;
  }
}

/** The log id of a logName: `projects/p/logs/cloudaudit.googleapis.com%2Factivity` → `cloudaudit.googleapis.com/activity`. */
export const logIdOf = (logName: string): string => decodeURIComponent(logName.slice(logName.indexOf('/logs/') + '/logs/'.length));

export function matches(node: Node, entry: GcpLogEntry): boolean {
  switch (node.kind) {
    case 'and':
      return node.items.every((item) => matches(item, entry));
    case 'or':
      return node.items.some((item) => matches(item, entry));
    case 'not':
      return !matches(node.item, entry);
    case 'logId':
      return logIdOf(entry.logName) === node.value;
    case 'cmp': {
      if (node.path.length === 1 && node.path[0] === 'timestamp') {
        const expected = timestampKey(node.value);
        if (expected === undefined) throw new FilterError(`Invalid timestamp ${JSON.stringify(node.value)}`);
        return compare(node.op, timestampKey(entry.timestamp)!, expected);
      }
      const actual = valueAt(entry, node.path);
      if (actual === undefined || actual === null || typeof actual === 'object') return node.op === '!=';
      return compare(node.op, String(actual).toLowerCase(), node.value.toLowerCase());
    }
  }
}

/** The top-level `timestamp>=`/`>` bound, for where a search starts (undefined: from the oldest entry). */
export function lowerBound(node: Node): string | undefined {
  const clauses = node.kind === 'and' ? node.items : [node];
  const bounds = clauses.flatMap((c) =>
    c.kind === 'cmp' && c.path.join('.') === 'timestamp' && (c.op === '>=' || c.op === '>') ? [timestampKey(c.value)!] : [],
  );
  return bounds.sort().at(-1);
}

/** The log ids the query is restricted to at top level (undefined: any log). */
export function logIdsOf(node: Node): string[] | undefined {
  const clauses = node.kind === 'and' ? node.items : [node];
  for (const clause of clauses) {
    const terms = clause.kind === 'or' ? clause.items : [clause];
    if (terms.length > 0 && terms.every((t) => t.kind === 'logId')) return terms.map((t) => (t as { value: string }).value);
  }
  return undefined;
}
