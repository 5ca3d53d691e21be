import { GraphQLClient, gql } from 'graphql-request';
import type { MondooAuditNode } from '../../activities/sources/mondoo/types';

/**
 * A minimal audit-log client on graphql-request, for tests that need to read the fake (or the fault
 * proxy in front of it) the way a real client would. Not the exporter's client: just enough to check
 * what the server says.
 */
export const AUDIT_LOG_QUERY = gql`
  query AuditLog($first: Int, $after: String, $orderBy: AuditLogOrder, $resourceMrn: String!, $timestampFilter: TimestampFilter) {
    auditlog(first: $first, after: $after, orderBy: $orderBy, resourceMrn: $resourceMrn, timestampFilter: $timestampFilter) {
      totalCount
      edges {
        cursor
        node {
          identity {
            name
            mrn
          }
          resource
          action
          timestamp
          msg
          ip
          parent
        }
      }
      pageInfo {
        startCursor
        endCursor
        hasNextPage
      }
    }
  }
`;

export interface AuditLogConnection {
  totalCount: number;
  edges: { cursor: string; node: MondooAuditNode }[];
  pageInfo: { startCursor: string | null; endCursor: string | null; hasNextPage: boolean };
}

export interface AuditLogVariables {
  resourceMrn: string;
  first?: number;
  after?: string;
  orderBy?: { direction: 'ASC' | 'DESC'; field: 'TIMESTAMP' };
  timestampFilter?: { timestamp: string; operator: 'GT' | 'LT' };
}

export function createAuditLogClient(url: string, token: string) {
  const client = new GraphQLClient(url, { headers: { authorization: `Bearer ${token}` } });
  const page = async (variables: AuditLogVariables, signal?: AbortSignal): Promise<AuditLogConnection> =>
    (await client.request<{ auditlog: AuditLogConnection }>({ document: AUDIT_LOG_QUERY, variables, signal })).auditlog;
  /** Follows endCursor until hasNextPage is false; returns every node in page order. */
  const pageAll = async (variables: AuditLogVariables): Promise<MondooAuditNode[]> => {
    const nodes: MondooAuditNode[] = [];
    let after: string | undefined;
    for (;;) {
      const conn = await page({ ...variables, after });
      nodes.push(...conn.edges.map((e) => e.node));
      if (!conn.pageInfo.hasNextPage) return nodes;
      after = conn.pageInfo.endCursor!;
    }
  };
  return { client, page, pageAll };
}
