import { MONDOO_ORG_MRN_PREFIX, MONDOO_PLATFORM_MRN, MONDOO_SPACE_MRN_PREFIX } from '../../activities/sources/mondoo/types';

/**
 * Which organizations and spaces exist, and where each event lives. An event belongs to one "leaf":
 * an organization itself (membership changes, org settings) or one of its spaces (agents, policies).
 * Scopes are sets of leaves: platform = all, organization = the org leaf plus its space leaves,
 * space = that space's leaf only.
 */
export interface SpaceSpec {
  id: string;
  /** Relative share of generated events (0 = this space gets none). Default 1. */
  weight?: number;
}
export interface OrgSpec {
  id: string;
  /** Relative share of generated org-level events. Default 1. */
  weight?: number;
  spaces: SpaceSpec[];
}

export interface Leaf {
  index: number;
  org: string;
  space: string | undefined;
  weight: number;
  /** The MRN of the org or space: what `parent` points at and what a scope query names. */
  mrn: string;
}

export type ScopeKind = 'platform' | 'organization' | 'space';
export interface ResolvedScope {
  mrn: string;
  kind: ScopeKind;
  /** True if events of this leaf are in the scope. Works for leaves registered later too. */
  matches(leaf: number): boolean;
}

export class ScopeError extends Error {
  constructor(
    message: string,
    readonly code: 'NOT_FOUND' | 'PERMISSION_DENIED' | 'BAD_USER_INPUT',
  ) {
    super(message);
  }
}

/** Several orgs of different sizes, one with no events at all: enough to catch scope mistakes. */
export const DEFAULT_ORGS: OrgSpec[] = [
  {
    id: 'acme-corp-2fjq8x1',
    weight: 2,
    spaces: [
      { id: 'acme-production-4kd9s2', weight: 6 },
      { id: 'acme-staging-7hw2p0', weight: 3 },
      { id: 'acme-sandbox-1mv8c5', weight: 1 },
    ],
  },
  {
    id: 'globex-9x7t3q',
    weight: 1,
    spaces: [
      { id: 'globex-prod-5n2r8w', weight: 3 },
      { id: 'globex-dev-3b6y1k', weight: 1 },
    ],
  },
  { id: 'initech-6z4v0m', weight: 1, spaces: [{ id: 'initech-main-8q1e5t', weight: 1 }] },
  { id: 'hooli-quiet-0c3u7j', weight: 0, spaces: [{ id: 'hooli-unused-2g9i4l', weight: 0 }] },
];

export const orgMrn = (id: string) => MONDOO_ORG_MRN_PREFIX + id;
export const spaceMrn = (id: string) => MONDOO_SPACE_MRN_PREFIX + id;

export class Topology {
  readonly leaves: Leaf[] = [];
  private readonly orgLeaf = new Map<string, number>();
  private readonly spaceLeaf = new Map<string, number>();

  constructor(orgs: OrgSpec[] = DEFAULT_ORGS) {
    for (const org of orgs) {
      this.register(org.id, undefined, org.weight ?? 1);
      for (const space of org.spaces) this.register(org.id, space.id, space.weight ?? 1);
    }
  }

  get orgIds(): string[] {
    return [...this.orgLeaf.keys()];
  }
  get spaceIds(): string[] {
    return [...this.spaceLeaf.keys()];
  }

  /** The leaf for an org (space undefined) or a space, created on first use (weight 0: no generated events). */
  leafFor(org: string | undefined, space: string | undefined): number {
    if (space !== undefined) {
      const known = this.spaceLeaf.get(space);
      if (known !== undefined) return known;
      const owner = org ?? this.leaves[0]?.org;
      if (owner === undefined) throw new Error('no organization to put the space in');
      if (!this.orgLeaf.has(owner)) this.register(owner, undefined, 0);
      return this.register(owner, space, 0);
    }
    if (org === undefined) {
      if (this.leaves.length === 0) throw new Error('topology has no organizations');
      return 0;
    }
    return this.orgLeaf.get(org) ?? this.register(org, undefined, 0);
  }

  /** The leaf a `parent` MRN names, if it is a known org or space. */
  leafOfParent(parent: string | null): number | undefined {
    if (parent?.startsWith(MONDOO_SPACE_MRN_PREFIX)) return this.spaceLeaf.get(parent.slice(MONDOO_SPACE_MRN_PREFIX.length));
    if (parent?.startsWith(MONDOO_ORG_MRN_PREFIX)) return this.orgLeaf.get(parent.slice(MONDOO_ORG_MRN_PREFIX.length));
    return undefined;
  }

  /** Maps a `resourceMrn` argument to the set of leaves it covers, or throws a ScopeError. */
  resolve(mrn: string): ResolvedScope {
    if (mrn === MONDOO_PLATFORM_MRN) return { mrn, kind: 'platform', matches: () => true };
    if (mrn.startsWith(MONDOO_ORG_MRN_PREFIX)) {
      const id = mrn.slice(MONDOO_ORG_MRN_PREFIX.length);
      if (!this.orgLeaf.has(id)) throw new ScopeError(`organization ${mrn} not found`, 'NOT_FOUND');
      return { mrn, kind: 'organization', matches: (leaf) => this.leaves[leaf]?.org === id };
    }
    if (mrn.startsWith(MONDOO_SPACE_MRN_PREFIX)) {
      const id = mrn.slice(MONDOO_SPACE_MRN_PREFIX.length);
      const leafIndex = this.spaceLeaf.get(id);
      if (leafIndex === undefined) throw new ScopeError(`space ${mrn} not found`, 'NOT_FOUND');
      return { mrn, kind: 'space', matches: (leaf) => leaf === leafIndex };
    }
    throw new ScopeError(`invalid resource mrn: ${mrn}`, 'BAD_USER_INPUT');
  }

  private register(org: string, space: string | undefined, weight: number): number {
    const index = this.leaves.length;
    this.leaves.push({ index, org, space, weight, mrn: space === undefined ? orgMrn(org) : spaceMrn(space) });
    if (space === undefined) this.orgLeaf.set(org, index);
    else this.spaceLeaf.set(space, index);
    return index;
  }
}
