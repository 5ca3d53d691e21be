import { type DocumentNode, type ExecutionResult, type GraphQLFormattedError, GraphQLError, buildSchema, execute, parse, validate } from 'graphql';
import type { CursorCodec } from './cursor';
import type { EventStore, TimeFilter } from './event-store';
import { MONDOO_PLATFORM_MRN } from '../../activities/sources/mondoo/types';
import { ScopeError, orgMrn } from './topology';
import { parseTimestampSeconds } from './time';

/**
 * The audit-log slice of Mondoo's GraphQL schema, as documented (docs.mondoo.com "View Audit Logs"),
 * executed by graphql-js so variable coercion, defaults and error shapes are those of a real server.
 */
export const AUDIT_LOG_SDL = /* GraphQL */ `
  type Query {
    auditlog(resourceMrn: String!, first: Int, after: String, orderBy: AuditLogOrder, timestampFilter: TimestampFilter): AuditLogConnection
  }

  enum OrderDirection {
    ASC
    DESC
  }
  enum AuditLogOrderField {
    TIMESTAMP
  }
  input AuditLogOrder {
    direction: OrderDirection!
    field: AuditLogOrderField!
  }

  enum TimestampFilterOperator {
    GT
    LT
  }
  input TimestampFilter {
    timestamp: String!
    operator: TimestampFilterOperator!
  }

  type AuditLogConnection {
    totalCount: Int!
    edges: [AuditLogEdge!]!
    pageInfo: PageInfo!
  }
  type AuditLogEdge {
    cursor: String!
    node: AuditLogEntry!
  }
  type AuditLogEntry {
    identity: AuditLogIdentity
    resource: String
    action: String!
    timestamp: String!
    msg: String
    ip: String
    parent: String
  }
  type AuditLogIdentity {
    name: String
    mrn: String
  }
  type PageInfo {
    startCursor: String
    endCursor: String
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
  }
`;

export const auditLogSchema = buildSchema(AUDIT_LOG_SDL);

export interface AuditLogApiOptions {
  store: EventStore;
  cursors: CursorCodec;
  /** Larger `first` values are silently capped, like the real server. Default 100. */
  maxPageSize?: number;
  /** Page size when `first` is omitted. Default 25. */
  defaultPageSize?: number;
  /** If set, only these scope MRNs (and the spaces of listed orgs) may be read: others get PERMISSION_DENIED. */
  allowedScopes?: string[];
}

interface AuditLogArgs {
  resourceMrn: string;
  first?: number | null;
  after?: string | null;
  orderBy?: { direction: 'ASC' | 'DESC'; field: 'TIMESTAMP' } | null;
  timestampFilter?: { timestamp: string; operator: 'GT' | 'LT' } | null;
}

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/** graphql-js root value: with buildSchema, `auditlog` is called with (args, context). */
export function createRootValue(options: AuditLogApiOptions) {
  const { store, cursors } = options;
  const maxPageSize = options.maxPageSize ?? 100;
  const defaultPageSize = options.defaultPageSize ?? 25;

  /** A token may be limited to some scopes; access to an org or the platform covers what is inside. */
  const checkPermission = (mrn: string) => {
    const allowed = options.allowedScopes;
    if (!allowed || allowed.includes(mrn) || allowed.includes(MONDOO_PLATFORM_MRN)) return;
    const leaf = store.topology.leafOfParent(mrn);
    const owner = leaf === undefined ? undefined : store.topology.leaves[leaf]!.org;
    if (owner !== undefined && allowed.includes(orgMrn(owner))) return;
    throw new ScopeError(`permission denied for ${mrn}`, 'PERMISSION_DENIED');
  };

  return {
    auditlog(args: AuditLogArgs) {
      const first = args.first ?? defaultPageSize;
      if (first <= 0) throw badInput(`first must be positive, got ${first}`);
      const direction = args.orderBy?.direction ?? 'DESC';
      let filter: TimeFilter | undefined;
      if (args.timestampFilter) {
        const seconds = parseTimestampSeconds(args.timestampFilter.timestamp);
        if (seconds === undefined) throw badInput(`timestampFilter.timestamp is not RFC 3339: ${args.timestampFilter.timestamp}`);
        filter = { operator: args.timestampFilter.operator, seconds };
      }
      let scope;
      try {
        scope = store.topology.resolve(args.resourceMrn);
        checkPermission(args.resourceMrn);
      } catch (err) {
        if (err instanceof ScopeError) throw new GraphQLError(err.message, { extensions: { code: err.code } });
        throw err;
      }
      const fingerprint = cursors.fingerprint([args.resourceMrn, direction, filter?.operator, filter?.seconds]);
      const after = args.after ? cursors.decode(args.after, fingerprint) : undefined;
      const page = store.page({ scope, direction, filter, after, limit: Math.min(first, maxPageSize) });
      const edges = page.events.map((event) => ({ cursor: cursors.encode(fingerprint, event), node: event.node }));
      return {
        totalCount: page.totalCount,
        edges,
        pageInfo: {
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges[edges.length - 1]?.cursor ?? null,
          hasNextPage: page.hasNextPage,
          hasPreviousPage: after !== undefined,
        },
      };
    },
  };
}

export interface GraphQLRequestBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

/** The JSON a GraphQL-over-HTTP server sends back: errors formatted, each with `extensions.code`. */
export interface GraphQLResponseBody {
  data?: ExecutionResult['data'];
  errors?: GraphQLFormattedError[];
}

function withCode(errors: readonly GraphQLError[], code: string): GraphQLFormattedError[] {
  return errors.map((e) => {
    const formatted = e.toJSON();
    return { ...formatted, extensions: { code, ...formatted.extensions } };
  });
}

/**
 * parse → validate → execute, exactly what graphql() does, split so each failure gets the code a
 * production server (Apollo/gqlgen conventions) would report. Parsed and validated documents are
 * cached by query text: clients send the same query for every page.
 */
export function createExecutor(rootValue: ReturnType<typeof createRootValue>) {
  const documents = new Map<string, DocumentNode | GraphQLFormattedError[]>();
  const prepare = (query: string): DocumentNode | GraphQLFormattedError[] => {
    const cached = documents.get(query);
    if (cached) return cached;
    let prepared: DocumentNode | GraphQLFormattedError[];
    try {
      const document = parse(query);
      const errors = validate(auditLogSchema, document);
      prepared = errors.length > 0 ? withCode(errors, 'GRAPHQL_VALIDATION_FAILED') : document;
    } catch (err) {
      if (!(err instanceof GraphQLError)) throw err;
      prepared = withCode([err], 'GRAPHQL_PARSE_FAILED');
    }
    if (documents.size >= 200) documents.clear();
    documents.set(query, prepared);
    return prepared;
  };

  return async (body: GraphQLRequestBody): Promise<GraphQLResponseBody> => {
    if (typeof body.query !== 'string') return { errors: [{ message: 'request has no query', extensions: { code: 'BAD_REQUEST' } }] };
    const prepared = prepare(body.query);
    if (Array.isArray(prepared)) return { errors: prepared };
    const result = await execute({
      schema: auditLogSchema,
      document: prepared,
      rootValue,
      variableValues: (body.variables ?? undefined) as Record<string, unknown> | undefined,
      operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
    });
    if (!result.errors) return { data: result.data };
    // No data at all means execution never started: the variables did not coerce.
    const fallbackCode = result.data === undefined ? 'BAD_USER_INPUT' : 'INTERNAL_SERVER_ERROR';
    return { data: result.data, errors: withCode(result.errors, fallbackCode) };
  };
}
