import { describe, expect, it } from 'vitest';
import { MAPPED_MONDOO_ACTIONS } from '../../activities/sources/mondoo/action-classes';
import { mapMondooEventToOcsf, ocsfClassForAction } from '../../activities/sources/mondoo/to-ocsf';
import type { MondooAuditNode, SourceEvent } from '../../activities/sources/mondoo/types';
import { createNodeGenerator } from '../ocsf/random-mondoo-nodes';
import { validateOcsfEvent } from '../../lib/ocsf/validator';

type Event = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary paths

const ctx = { scopeMrn: '//captain.api.mondoo.app/organizations/mondoo-organization-1' };

/** The first node of the response example in Mondoo's audit-log API documentation. */
const documentedNode: MondooAuditNode = {
  identity: { name: 'Jane Doe', mrn: '//captain.api.mondoo.app/users/26OR1GOGsqmfjXOOO8joxgJDdtM' },
  resource: '//agents.api.mondoo.app/organizations/mondoo-organization-1/serviceaccounts/2e3NzLkD73yQe7MTJZLw3',
  action: 'mondoo.agents.AgentManager.CreateServiceAccount',
  timestamp: '2024-03-22T17:46:03Z',
  msg: 'created service account',
  ip: '192.0.2.10',
  parent: '//captain.api.mondoo.app/spaces/test-space',
};

const sourceEvent = (node: Partial<MondooAuditNode>, key = 'key-1'): SourceEvent => ({ key, node: { ...documentedNode, ...node } });
const map = (node: Partial<MondooAuditNode>): Event => mapMondooEventToOcsf(sourceEvent(node), ctx);

function expectValid(event: unknown): void {
  const issues = validateOcsfEvent(event);
  expect(issues, JSON.stringify(issues, null, 1)).toEqual([]);
}

/** Every string anywhere in the mapped event: where "nothing dropped" looks for source values. */
function stringsIn(value: unknown, into = new Set<string>()): Set<string> {
  if (typeof value === 'string') into.add(value);
  else if (Array.isArray(value)) value.forEach((item) => stringsIn(item, into));
  else if (typeof value === 'object' && value !== null) Object.values(value).forEach((item) => stringsIn(item, into));
  return into;
}

function sourceValues({ key, node }: SourceEvent): [string, string][] {
  const values: [string, string | null | undefined][] = [
    ['key', key],
    ['identity.name', node.identity?.name],
    ['identity.mrn', node.identity?.mrn],
    ['resource', node.resource],
    ['action', node.action],
    ['timestamp', node.timestamp],
    ['msg', node.msg],
    ['ip', node.ip],
    ['parent', node.parent],
    ['scopeMrn', ctx.scopeMrn],
  ];
  return values.filter((entry): entry is [string, string] => typeof entry[1] === 'string');
}

function expectNothingDropped(source: SourceEvent, mapped: unknown): void {
  const strings = stringsIn(mapped);
  for (const [field, value] of sourceValues(source)) expect(strings.has(value), `${field} ${JSON.stringify(value.slice(0, 80))} is missing`).toBe(true);
}

// [action without the mondoo. prefix, class_uid, activity_id, entity type (3004)]
const TABLE: [string, number, number, string?][] = [
  ['captain.Captain.SetOrganizationMembership', 3001, 1],
  ['captain.Captain.SetSpaceMembership', 3001, 1],
  ['captain.Captain.RemoveOrganizationMembership', 3001, 6],
  ['captain.Captain.RemoveSpaceMembership', 3001, 6],
  ['agents.AgentManager.CreateServiceAccount', 3004, 1, 'Service Account'],
  ['agents.AgentManager.UpdateServiceAccount', 3004, 3, 'Service Account'],
  ['agents.AgentManager.DeleteServiceAccount', 3004, 4, 'Service Account'],
  ['agents.AgentManager.RegisterAgent', 3004, 1, 'Agent'],
  ['agents.AgentManager.UnregisterAgent', 3004, 4, 'Agent'],
  ['captain.Captain.CreateSpace', 3004, 1, 'Space'],
  ['captain.Captain.UpdateSpace', 3004, 3, 'Space'],
  ['captain.Captain.DeleteSpace', 3004, 4, 'Space'],
  ['captain.Captain.CreateOrganization', 3004, 1, 'Organization'],
  ['captain.Captain.UpdateOrganization', 3004, 3, 'Organization'],
  ['captain.Captain.DeleteOrganization', 3004, 4, 'Organization'],
  ['captain.Captain.CreateIntegration', 3004, 1, 'Integration'],
  ['captain.Captain.UpdateIntegration', 3004, 3, 'Integration'],
  ['captain.Captain.DeleteIntegration', 3004, 4, 'Integration'],
  ['policy.PolicyResolver.AssignPolicy', 6003, 1],
  ['policy.PolicyResolver.Assign', 6003, 1],
  ['policy.PolicyResolver.UnassignPolicy', 6003, 4],
  ['policy.PolicyResolver.Unassign', 6003, 4],
  ['policy.PolicyHub.SetBundle', 6003, 3],
  ['captain.Captain.Login', 6003, 99],
  ['agents.AgentManager.TriggerAction', 6003, 99],
  ['captain.Captain.SetRoleBinding', 6003, 99],
  ['assets.AssetStore.CreateAsset', 6003, 99],
  ['some.Unknown.Action', 6003, 99],
];

describe('ocsfClassForAction and the class table', () => {
  it('covers exactly the explicitly mapped actions of the table', () => {
    expect(
      TABLE.filter(([, , activity]) => activity !== 99)
        .map(([action]) => action)
        .sort(),
    ).toEqual([...MAPPED_MONDOO_ACTIONS].sort());
  });

  it.each(TABLE)('%s -> class %i activity %i', (action, classUid, activityId, entityType) => {
    expect(ocsfClassForAction(`mondoo.${action}`)).toEqual({ classUid, activityId });
    expect(ocsfClassForAction(action)).toEqual({ classUid, activityId });
    const source = sourceEvent({ action: `mondoo.${action}` });
    const event: Event = mapMondooEventToOcsf(source, ctx);
    expectValid(event);
    expectNothingDropped(source, event);
    expect([event.class_uid, event.activity_id, event.type_uid]).toEqual([classUid, activityId, classUid * 100 + activityId]);
    expect(event.metadata.event_code).toBe(`mondoo.${action}`);
    if (classUid === 3001) expect(event.user).toEqual({ uid: documentedNode.resource, type: 'Service Account', type_id: 99 });
    expect(event.activity_name).toBe(activityId === 99 ? action.split('.').at(-1) : event.type_name.split(': ')[1]);
    if (classUid === 3004) expect(event.entity).toMatchObject({ uid: documentedNode.resource, type: entityType });
    if (classUid === 6003) {
      expect(event.resources).toEqual([{ name: '2e3NzLkD73yQe7MTJZLw3', uid: documentedNode.resource }]);
      expect(event.api).toEqual({ operation: action.split('.').at(-1), service: { name: `mondoo.${action.split('.').slice(0, -1).join('.')}` } });
    } else {
      expect(event).not.toHaveProperty('api'); // 3001/3004 have `api` only through the cloud profile
    }
  });

  it('is case-sensitive and falls back to API Activity / Other', () => {
    expect(ocsfClassForAction('mondoo.captain.Captain.createspace')).toEqual({ classUid: 6003, activityId: 99 });
    expect(ocsfClassForAction('')).toEqual({ classUid: 6003, activityId: 99 });
  });
});

describe('mapMondooEventToOcsf', () => {
  it('maps the documented node field by field, in a stable key order', () => {
    const event = map({});
    expectValid(event);
    expect(JSON.stringify(event)).toBe(
      JSON.stringify({
        category_uid: 3,
        category_name: 'Identity & Access Management',
        class_uid: 3004,
        class_name: 'Entity Management',
        activity_id: 1,
        activity_name: 'Create',
        type_uid: 300401,
        type_name: 'Entity Management: Create',
        severity_id: 1,
        severity: 'Informational',
        time: 1_711_129_563_000,
        message: 'created service account',
        metadata: {
          version: '1.5.0',
          product: { name: 'Mondoo Platform', vendor_name: 'Mondoo' },
          uid: 'key-1',
          event_code: 'mondoo.agents.AgentManager.CreateServiceAccount',
          log_name: 'auditlog',
          log_provider: 'Mondoo Platform',
          original_time: '2024-03-22T17:46:03Z',
          tenant_uid: ctx.scopeMrn,
        },
        actor: { user: { name: 'Jane Doe', uid: documentedNode.identity?.mrn, type: 'User', type_id: 1 } },
        src_endpoint: { ip: '192.0.2.10' },
        entity: { name: '2e3NzLkD73yQe7MTJZLw3', uid: documentedNode.resource, type: 'Service Account', type_id: 99 },
        observables: [
          { name: 'actor.user.name', type: 'User Name', type_id: 4, value: 'Jane Doe' },
          { name: 'src_endpoint.ip', type: 'IP Address', type_id: 2, value: '192.0.2.10' },
        ],
        unmapped: {
          mondoo: { identity_mrn: documentedNode.identity?.mrn, resource_mrn: documentedNode.resource, scope_mrn: ctx.scopeMrn, parent: documentedNode.parent },
        },
      }),
    );
  });

  it('is deterministic and does not mutate its input', () => {
    const source = sourceEvent({});
    const before = structuredClone(source);
    expect(JSON.stringify(mapMondooEventToOcsf(source, ctx))).toBe(JSON.stringify(mapMondooEventToOcsf(structuredClone(source), ctx)));
    expect(source).toEqual(before);
  });

  it("uses OCSF's Organization entity type for organizations", () => {
    const event = map({ action: 'mondoo.captain.Captain.UpdateOrganization', resource: '//captain.api.mondoo.app/organizations/acme' });
    expectValid(event);
    expect(event.entity).toEqual({
      name: 'acme',
      uid: '//captain.api.mondoo.app/organizations/acme',
      type: 'Organization',
      type_id: 4,
      org: { name: 'acme', uid: '//captain.api.mondoo.app/organizations/acme' },
    });
  });

  it('converts every RFC 3339 shape to epoch milliseconds and rejects non-RFC 3339 times', () => {
    expect(map({ timestamp: '2024-03-22T19:46:03.123456+02:00' }).time).toBe(1_711_129_563_123);
    expect(map({ timestamp: '2024-03-22t17:46:03.1z' }).time).toBe(1_711_129_563_100);
    expect(map({ timestamp: '2024-03-22 12:16:03-05:30' }).time).toBe(1_711_129_563_000);
    expect(map({ timestamp: '2024-02-29T23:59:60Z' }).time).toBe(Date.UTC(2024, 2, 1));
    for (const bad of ['1711129563', '2024-03-22', '2024-03-22T17:46:03', '2023-02-29T00:00:00Z', '2024-13-01T00:00:00Z', '']) {
      expect(() => map({ timestamp: bad }), bad).toThrow(/not an RFC 3339 timestamp/);
    }
  });
});

describe('mapMondooEventToOcsf: odd content still yields valid OCSF with nothing dropped', () => {
  const cases: [string, Partial<MondooAuditNode>][] = [
    ['no identity (system action)', { identity: null }],
    ['identity without name', { identity: { name: null, mrn: '//captain.api.mondoo.app/users/x' } }],
    ['identity without mrn', { identity: { name: 'Jane', mrn: null } }],
    ['identity with neither', { identity: { name: null, mrn: null } }],
    ['no resource on Account Change', { resource: null, action: 'mondoo.captain.Captain.SetSpaceMembership' }],
    ['no resource on Entity Management', { resource: null }],
    ['no resource on API Activity', { resource: null, action: 'mondoo.captain.Captain.Login' }],
    ['no ip on API Activity (src_endpoint is required)', { ip: null, action: 'mondoo.policy.PolicyHub.SetBundle' }],
    ['malformed ip', { ip: '999.1.1.1' }],
    ['ip with port', { ip: '192.0.2.1:8443', action: 'mondoo.captain.Captain.Login' }],
    ['X-Forwarded-For list', { ip: '203.0.113.7, 10.0.0.1, 2001:db8::1' }],
    ['IPv6', { ip: '2001:db8:85a3::8a2e:370:7334' }],
    ['no msg', { msg: null }],
    [
      'unicode everywhere',
      {
        msg: '变更 👩‍💻 עברית e\u0301',
        identity: { name: 'Jürgen Ñandú 🚀', mrn: '//captain.api.mondoo.app/users/ü' },
        resource: '//captain.api.mondoo.app/spaces/日本',
      },
    ],
    ['very long message', { msg: 'A'.repeat(1_000_000) }],
    ['unknown action without dots', { action: 'Login' }],
    ['empty strings everywhere', { identity: { name: '', mrn: '' }, resource: '', action: '', msg: '', ip: '', parent: '' }],
    ['resource that is not an MRN', { resource: 'just a name', action: 'mondoo.captain.Captain.DeleteIntegration' }],
  ];

  it.each(cases)('%s', (_name, node) => {
    const source = sourceEvent(node);
    const event = mapMondooEventToOcsf(source, ctx);
    expectValid(event);
    expectValid(JSON.parse(JSON.stringify(event)));
    expectNothingDropped(source, event);
  });

  it('never puts a malformed ip into an ip_t field, and keeps the raw value', () => {
    const event = map({ ip: '999.1.1.1' });
    expect(event).not.toHaveProperty('src_endpoint');
    expect(event.unmapped.mondoo.ip).toBe('999.1.1.1');
    const forwarded = map({ ip: '203.0.113.7, 10.0.0.1' });
    expect(forwarded.src_endpoint).toEqual({ ip: '203.0.113.7', intermediate_ips: ['10.0.0.1'] });
    expect(forwarded.unmapped.mondoo.ip).toBe('203.0.113.7, 10.0.0.1');
  });

  it('names an Other activity after the source action, and keeps type_name the schema caption', () => {
    const login = map({ action: 'mondoo.captain.Captain.Login' });
    expect([login.activity_id, login.activity_name, login.type_name]).toEqual([99, 'Login', 'API Activity: Other']);
    expect(map({ action: 'Login' }).activity_name).toBe('Login');
    expect(map({ action: '' }).activity_name).toBe('Other');
    expect(map({ action: 'mondoo.captain.Captain.' }).activity_name).toBe('Other');
  });

  it('lists users and every source address as observables, pointing at their attributes', () => {
    const forwarded = map({ ip: '203.0.113.7, 10.0.0.1', identity: { name: 'ci', mrn: '//agents.api.mondoo.app/organizations/o/serviceaccounts/sa' } });
    expectValid(forwarded);
    expect(forwarded.actor.user).toMatchObject({ type: 'Service Account', type_id: 99 });
    expect(forwarded.observables).toEqual([
      { name: 'actor.user.name', type: 'User Name', type_id: 4, value: 'ci' },
      { name: 'src_endpoint.ip', type: 'IP Address', type_id: 2, value: '203.0.113.7' },
      { name: 'src_endpoint.intermediate_ips', type: 'IP Address', type_id: 2, value: '10.0.0.1' },
    ]);
    expect(map({ identity: null, ip: null })).not.toHaveProperty('observables');
    expect(map({ identity: { name: null, mrn: 'x' }, ip: '999.1.1.1' })).not.toHaveProperty('observables');
  });

  it('names the platform as actor when Mondoo recorded no identity', () => {
    expect(map({ identity: null }).actor).toEqual({ app_name: 'Mondoo Platform' });
  });
});

describe('mapMondooEventToOcsf: property test over random nodes', () => {
  it('maps 5000 seeded random nodes to valid OCSF, dropping nothing', () => {
    const generate = createNodeGenerator(20_240_322, MAPPED_MONDOO_ACTIONS);
    const classesSeen = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      const { event: source, expectedTimeMs } = generate();
      const mapped: Event = mapMondooEventToOcsf(source, ctx);
      const issues = validateOcsfEvent(JSON.parse(JSON.stringify(mapped)));
      if (issues.length > 0) expect.fail(`node #${i} ${JSON.stringify(source.node).slice(0, 400)}\n${JSON.stringify(issues)}`);
      expect(mapped.time, source.node.timestamp).toBe(expectedTimeMs);
      expect(mapped.class_uid).toBe(ocsfClassForAction(source.node.action).classUid);
      expectNothingDropped(source, mapped);
      classesSeen.add(mapped.class_uid);
    }
    expect([...classesSeen].sort()).toEqual([3001, 3004, 6003]);
  });
});
