import type { MondooAuditNode } from '../../activities/sources/mondoo/types';
import type { Leaf } from './topology';
import { formatTimestamp } from './time';
import { mulberry32 } from '../faults';

/**
 * What generated audit events look like: Mondoo's administrative actions with plausible MRNs,
 * people (some with non-ASCII names), service accounts, system actions without identity, missing ips,
 * unicode and very long messages, and actions the exporter has never heard of.
 */
type Rand = () => number;

/** 32-bit string hash (FNV-1a), to derive stable ids from org/space names. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  return h >>> 0;
}

/** Mixes integers into one well-distributed 32-bit value (murmur3 finalizer per step). */
export function mix32(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    // Numbers above 2^32 (event indexes of huge sequences) still contribute their high bits.
    h ^= Math.floor(part / 4294967296);
  }
  return h >>> 0;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** KSUID-like ids, as Mondoo uses for users and service accounts. */
function randomId(rand: Rand, length = 27): string {
  let id = '';
  for (let k = 0; k < length; k++) id += BASE62[Math.floor(rand() * 62)];
  return id;
}

const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

const PEOPLE = [
  'Jane Doe',
  'John Smith',
  'Amara Okafor',
  'José Müller',
  'Zoë Lefèvre',
  '李雷',
  'Søren Kierkegaard',
  'Ana-María Núñez',
  'Łukasz Wróbel',
  'Priya Raman',
  'أحمد منصور',
  'Ørjan Dahl',
];
const POLICIES = ['mondoo-linux-security', 'mondoo-kubernetes-security', 'cis-aws-foundations', 'mondoo-windows-security', 'mondoo-github-security'];
const HOSTS = ['ip-10-0-3-17.ec2.internal', 'web-01.prod', 'build-runner-7', 'db-primary', 'ワークステーション-3', 'laptop-jürgen'];
const UNICODE_MSGS = [
  'Zugriff für Jürgen entfernt 👋',
  '已删除服务帐户',
  'política asignada ✅',
  'ключ API отозван',
  'תפקיד עודכן',
  'e\u0301tat changé (combining accent)',
];
const UNKNOWN_ACTIONS = ['mondoo.billing.Billing.UpdateSubscription', 'mondoo.captain.Captain.SetSSOConfiguration', 'mondoo.labs.Experiments.EnableFeature'];

interface ActionContext {
  rand: Rand;
  leaf: Leaf;
  userMrn: string;
}
interface ActionSpec {
  action: string;
  weight: number;
  identity: 'user' | 'service-account' | 'system';
  build(ctx: ActionContext): { resource: string | null; msg: string | null };
}

const serviceAccountMrn = (ctx: ActionContext) => `//agents.api.mondoo.app/spaces/${ctx.leaf.space ?? ctx.leaf.org}/serviceaccounts/${randomId(ctx.rand)}`;

const ORG_ACTIONS: ActionSpec[] = [
  {
    action: 'mondoo.captain.Captain.SetOrganizationMembership',
    weight: 6,
    identity: 'user',
    build: (c) => ({ resource: c.userMrn, msg: `${pick(c.rand, ['owner', 'editor', 'viewer'])} added` }),
  },
  {
    action: 'mondoo.captain.Captain.RemoveOrganizationMembership',
    weight: 2,
    identity: 'user',
    build: (c) => ({ resource: c.userMrn, msg: 'member removed' }),
  },
  {
    action: 'mondoo.captain.Captain.CreateSpace',
    weight: 1,
    identity: 'user',
    build: (c) => ({ resource: `//captain.api.mondoo.app/spaces/${c.leaf.org.split('-')[0]}-${randomId(c.rand, 6).toLowerCase()}`, msg: 'created space' }),
  },
  {
    action: 'mondoo.captain.Captain.UpdateOrganization',
    weight: 1,
    identity: 'user',
    build: (c) => ({ resource: c.leaf.mrn, msg: 'updated organization settings' }),
  },
  { action: 'mondoo.captain.Captain.Login', weight: 8, identity: 'user', build: (c) => ({ resource: c.userMrn, msg: 'user logged in' }) },
  {
    action: 'mondoo.captain.Captain.ExpireInvitations',
    weight: 1,
    identity: 'system',
    build: (c) => ({ resource: c.leaf.mrn, msg: 'expired pending invitations' }),
  },
];

const SPACE_ACTIONS: ActionSpec[] = [
  {
    action: 'mondoo.captain.Captain.SetSpaceMembership',
    weight: 3,
    identity: 'user',
    build: (c) => ({ resource: c.userMrn, msg: `${pick(c.rand, ['editor', 'viewer'])} added to space` }),
  },
  {
    action: 'mondoo.captain.Captain.RemoveSpaceMembership',
    weight: 1,
    identity: 'user',
    build: (c) => ({ resource: c.userMrn, msg: 'member removed from space' }),
  },
  {
    action: 'mondoo.agents.AgentManager.CreateServiceAccount',
    weight: 3,
    identity: 'user',
    build: (c) => ({ resource: serviceAccountMrn(c), msg: 'created service account' }),
  },
  {
    action: 'mondoo.agents.AgentManager.DeleteServiceAccounts',
    weight: 1,
    identity: 'user',
    build: (c) => ({ resource: serviceAccountMrn(c), msg: 'deleted service accounts' }),
  },
  {
    action: 'mondoo.agents.AgentManager.RegisterAgent',
    weight: 10,
    identity: 'service-account',
    build: (c) => ({ resource: `//agents.api.mondoo.app/spaces/${c.leaf.space}/agents/${randomId(c.rand)}`, msg: `registered agent ${pick(c.rand, HOSTS)}` }),
  },
  {
    action: 'mondoo.agents.AgentManager.DeleteAgents',
    weight: 2,
    identity: 'user',
    build: (c) => ({ resource: `//agents.api.mondoo.app/spaces/${c.leaf.space}/agents/${randomId(c.rand)}`, msg: 'deleted agents' }),
  },
  {
    action: 'mondoo.policy.PolicyResolver.AssignPolicy',
    weight: 4,
    identity: 'user',
    build: (c) => ({ resource: `//policy.api.mondoo.app/policies/${pick(c.rand, POLICIES)}`, msg: 'assigned policy' }),
  },
  {
    action: 'mondoo.policy.PolicyResolver.UnassignPolicy',
    weight: 1,
    identity: 'user',
    build: (c) => ({ resource: `//policy.api.mondoo.app/policies/${pick(c.rand, POLICIES)}`, msg: 'unassigned policy' }),
  },
  {
    action: 'mondoo.policy.PolicyHub.SetBundle',
    weight: 3,
    identity: 'service-account',
    build: (c) => ({
      resource: `//policy.api.mondoo.app/spaces/${c.leaf.space}/policies/custom-${randomId(c.rand, 5).toLowerCase()}`,
      msg: 'uploaded policy bundle',
    }),
  },
  {
    action: 'mondoo.integrations.IntegrationsManager.TriggerAction',
    weight: 4,
    identity: 'service-account',
    build: (c) => ({ resource: `//integrations.api.mondoo.app/spaces/${c.leaf.space}/integrations/${randomId(c.rand)}`, msg: 'triggered scan' }),
  },
  { action: 'mondoo.captain.Captain.Login', weight: 2, identity: 'user', build: (c) => ({ resource: c.userMrn, msg: 'user logged in' }) },
];

function pickWeighted(rand: Rand, specs: ActionSpec[]): ActionSpec {
  const total = specs.reduce((sum, s) => sum + s.weight, 0);
  let r = rand() * total;
  for (const spec of specs) if ((r -= spec.weight) < 0) return spec;
  return specs[specs.length - 1]!;
}

function randomIp(rand: Rand): string | null {
  const r = rand();
  if (r < 0.1) return null;
  if (r < 0.15) return `2001:db8:${Math.floor(rand() * 65536).toString(16)}::${Math.floor(rand() * 65536).toString(16)}`;
  return [Math.floor(rand() * 223) + 1, Math.floor(rand() * 256), Math.floor(rand() * 256), Math.floor(rand() * 254) + 1].join('.');
}

function longMessage(rand: Rand): string {
  const assets = Array.from({ length: 60 + Math.floor(rand() * 200) }, () => `//assets.api.mondoo.app/spaces/x/assets/${randomId(rand)}`);
  return `bulk update of ${assets.length} assets: ${assets.join(', ')}`;
}

/** Builds one audit node for `leaf` at `epochSeconds` from the random stream `rand`. */
export function buildNode(rand: Rand, leaf: Leaf, epochSeconds: number): MondooAuditNode {
  // Each org has a small stable population of users, so the same people recur across events.
  const person = Math.floor(rand() * PEOPLE.length);
  const userRand = mulberry32(hashString(leaf.org) ^ person);
  const userMrn = `//captain.api.mondoo.app/users/${randomId(userRand)}`;
  const unknown = rand() < 0.01;
  const spec = pickWeighted(rand, leaf.space === undefined ? ORG_ACTIONS : SPACE_ACTIONS);
  const ctx: ActionContext = { rand, leaf, userMrn };
  let { resource, msg } = spec.build(ctx);

  let identity: MondooAuditNode['identity'];
  if (spec.identity === 'system' || rand() < 0.03) identity = null;
  else if (spec.identity === 'service-account')
    identity = { name: pick(rand, ['ci-pipeline', 'terraform', 'k8s-operator', null]), mrn: serviceAccountMrn(ctx) };
  else identity = { name: rand() < 0.03 ? null : PEOPLE[person]!, mrn: userMrn };

  const flavour = rand();
  if (flavour < 0.03) msg = pick(rand, UNICODE_MSGS);
  else if (flavour < 0.033) msg = longMessage(rand);
  else if (flavour < 0.04) msg = null;
  if (rand() < 0.01) resource = null;

  return {
    identity,
    resource,
    action: unknown ? pick(rand, UNKNOWN_ACTIONS) : spec.action,
    timestamp: formatTimestamp(epochSeconds),
    msg,
    ip: identity === null ? null : randomIp(rand),
    parent: rand() < 0.02 ? null : leaf.mrn,
  };
}
