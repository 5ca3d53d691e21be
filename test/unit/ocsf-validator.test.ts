import { describe, expect, it } from 'vitest';
import { loadOcsfSchema, validateOcsfEvent, type OcsfValidationIssue } from '../../lib/ocsf/validator';

type Event = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests poke at arbitrary paths

const TIME_MS = 1_711_129_563_000; // 2024-03-22T17:46:03Z

function base(classUid: number, categoryUid: number, activityId: number): Event {
  return {
    category_uid: categoryUid,
    class_uid: classUid,
    activity_id: activityId,
    type_uid: classUid * 100 + activityId,
    severity_id: 1,
    time: TIME_MS,
    metadata: { version: '1.5.0', product: { name: 'Mondoo Platform', vendor_name: 'Mondoo' } },
  };
}

const minimal = {
  accountChange: (): Event => ({ ...base(3001, 3, 1), user: { uid: '//captain.api.mondoo.app/users/u1' } }),
  entityManagement: (): Event => ({ ...base(3004, 3, 1), entity: { name: 'sa-1', type: 'Service Account' } }),
  apiActivity: (): Event => ({
    ...base(6003, 6, 99),
    actor: { user: { name: 'Jane Doe' } },
    api: { operation: 'Login' },
    src_endpoint: { ip: '192.0.2.10' },
  }),
};

/** A deep copy of `event` changed by `mutate`: keeps each defect case independent. */
function variant(event: Event, mutate: (e: Event) => void): Event {
  const copy = structuredClone(event);
  mutate(copy);
  return copy;
}

const paths = (issues: OcsfValidationIssue[]) => issues.map((issue) => issue.path);

function expectIssue(event: unknown, path: string, message: RegExp): void {
  const issues = validateOcsfEvent(event);
  expect(issues, JSON.stringify(issues)).toContainEqual({ path, message: expect.stringMatching(message) });
}

describe('loadOcsfSchema', () => {
  it('compiles every class of the core schema from the schema files, once', () => {
    const schema = loadOcsfSchema();
    expect(loadOcsfSchema()).toBe(schema);
    expect(schema.version).toBe('1.5.0');
    // The classes auditflow emits, among the 1.5.0 core's 73 (4001 Network Activity is one of the rest).
    expect([...schema.classes.keys()]).toEqual(expect.arrayContaining([3001, 3002, 3004, 6003, 4001]));
    expect(schema.classes.size).toBe(73);
    expect(schema.classes.get(3002)?.caption).toBe('Authentication');
    expect(schema.classes.get(3004)?.caption).toBe('Entity Management');
    expect(schema.classes.get(6003)?.categoryUid).toBe(6);
  });

  it('tags profile attributes with their profile, and honours "profile": null overrides', () => {
    const schema = loadOcsfSchema();
    expect(schema.classes.get(3004)?.attributes.get('api')?.profile).toBe('cloud');
    expect(schema.classes.get(6003)?.attributes.get('api')?.profile).toBeNull();
    expect(schema.classes.get(3001)?.attributes.get('actor')?.profile).toBeNull();
    expect(schema.objects.get('resource_details')?.attributes.get('region')?.profile).toBe('cloud');
  });
});

describe('validateOcsfEvent: valid events', () => {
  it.each(Object.entries(minimal))('accepts a minimal %s event', (_name, make) => {
    expect(validateOcsfEvent(make())).toEqual([]);
  });

  it('accepts correct captions, the cloud profile with api on 3004, datetime siblings and any unmapped content', () => {
    const event = variant(minimal.entityManagement(), (e) => {
      Object.assign(e, { category_name: 'Identity & Access Management', class_name: 'Entity Management' });
      Object.assign(e, { activity_name: 'Create', type_name: 'Entity Management: Create', severity: 'Informational' });
      e.metadata.profiles = ['cloud', 'datetime'];
      e.cloud = { provider: 'GCP' };
      e.api = { operation: 'CreateServiceAccount', service: { name: 'mondoo.agents.AgentManager' } };
      e.time_dt = '2024-03-22T17:46:03Z';
      e.unmapped = { mondoo: { anything: [1, 'two', { three: null }] } };
    });
    expect(validateOcsfEvent(event)).toEqual([]);
  });

  it('accepts a source-defined activity_name and type_name for 99 Other', () => {
    const event = variant(minimal.apiActivity(), (e) => Object.assign(e, { activity_name: 'Login', type_name: 'API Activity: Login' }));
    expect(validateOcsfEvent(event)).toEqual([]);
  });
});

describe('validateOcsfEvent: defects', () => {
  it('reports missing required attributes, top-level and nested', () => {
    expectIssue(
      variant(minimal.accountChange(), (e) => delete e.user),
      'user',
      /required attribute user/,
    );
    expectIssue(
      variant(minimal.accountChange(), (e) => delete e.time),
      'time',
      /required/,
    );
    expectIssue(
      variant(minimal.apiActivity(), (e) => delete e.api.operation),
      'api.operation',
      /required/,
    );
    expectIssue(
      variant(minimal.apiActivity(), (e) => delete e.src_endpoint),
      'src_endpoint',
      /required/,
    );
    expectIssue(
      variant(minimal.entityManagement(), (e) => delete e.metadata.product),
      'metadata.product',
      /required/,
    );
  });

  it('reports wrong types, following the dictionary type hierarchy', () => {
    expectIssue(
      variant(minimal.accountChange(), (e) => (e.time = '2024-03-22T17:46:03Z')),
      'time',
      /expected timestamp_t/,
    );
    expectIssue(
      variant(minimal.accountChange(), (e) => (e.time = TIME_MS + 0.5)),
      'time',
      /expected timestamp_t/,
    );
    expectIssue(
      variant(minimal.accountChange(), (e) => (e.severity_id = '1')),
      'severity_id',
      /expected integer_t/,
    );
    expectIssue(
      variant(minimal.accountChange(), (e) => (e.message = 42)),
      'message',
      /expected string_t/,
    );
    expectIssue(
      variant(minimal.accountChange(), (e) => (e.user = 'u1')),
      'user',
      /expected a user object/,
    );
    expectIssue(
      variant(minimal.apiActivity(), (e) => (e.resources = { uid: 'r' })),
      'resources',
      /expected an array/,
    );
    expectIssue(
      variant(minimal.apiActivity(), (e) => (e.metadata.profiles = 'cloud')),
      'metadata.profiles',
      /expected an array/,
    );
    expectIssue(
      variant(minimal.apiActivity(), (e) => (e.src_endpoint.port = 70_000)),
      'src_endpoint.port',
      /port_t must be in \[0, 65535\]/,
    );
    expectIssue(
      variant(minimal.apiActivity(), (e) => (e.src_endpoint.ip = '10.0.0.1, 10.0.0.2')),
      'src_endpoint.ip',
      /ip_t format/,
    );
    expectIssue(
      variant(minimal.apiActivity(), (e) => (e.actor.user.email_addr = 'not-an-email')),
      'actor.user.email_addr',
      /email_t format/,
    );
    expectIssue(
      variant(minimal.apiActivity(), (e) => (e.actor.session = { uuid: 'nope' })),
      'actor.session.uuid',
      /uuid_t format/,
    );
    expectIssue(
      variant(minimal.apiActivity(), (e) => (e.src_endpoint.mac = 'zz')),
      'src_endpoint.mac',
      /mac_t format/,
    );
  });

  it('reports timestamps that look like seconds (or microseconds) instead of milliseconds', () => {
    expectIssue(
      variant(minimal.accountChange(), (e) => (e.time = 1_711_129_563)),
      'time',
      /looks like epoch seconds/,
    );
    expectIssue(
      variant(minimal.accountChange(), (e) => (e.time = TIME_MS * 1000)),
      'time',
      /micro/,
    );
    expectIssue(
      variant(minimal.apiActivity(), (e) => (e.resources = [{ uid: 'r', created_time: 1_700_000_000 }])),
      'resources[0].created_time',
      /seconds/,
    );
  });

  it('reports unknown attributes, top-level and nested', () => {
    expectIssue(
      variant(minimal.accountChange(), (e) => (e.mondoo_parent = 'x')),
      'mondoo_parent',
      /unknown attribute/,
    );
    expectIssue(
      variant(minimal.apiActivity(), (e) => (e.actor.user.department = 'x')),
      'actor.user.department',
      /unknown attribute/,
    );
  });

  it('reports profile attributes whose profile metadata.profiles does not declare', () => {
    const api = { operation: 'CreateServiceAccount' };
    // `api` reaches 3001/3004 only through the cloud profile (profiles/cloud.json).
    expectIssue(
      variant(minimal.entityManagement(), (e) => (e.api = api)),
      'api',
      /cloud profile/,
    );
    expectIssue(
      variant(minimal.accountChange(), (e) => (e.api = api)),
      'api',
      /cloud profile/,
    );
    expectIssue(
      variant(minimal.entityManagement(), (e) => (e.time_dt = '2024-03-22T17:46:03Z')),
      'time_dt',
      /datetime profile/,
    );
    // Declaring the profile makes its required attributes required.
    const declaredCloud = variant(minimal.entityManagement(), (e) => {
      e.api = api;
      e.metadata.profiles = ['cloud'];
    });
    expectIssue(declaredCloud, 'cloud', /required attribute cloud/);
    expectIssue(
      variant(minimal.entityManagement(), (e) => (e.metadata.profiles = ['no_such_profile'])),
      'metadata.profiles[0]',
      /unknown profile/,
    );
  });

  it('reports enum values the class does not define', () => {
    expectIssue(
      variant(minimal.accountChange(), (e) => Object.assign(e, { activity_id: 13, type_uid: 300113 })),
      'activity_id',
      /not a defined activity_id/,
    );
    expectIssue(
      variant(minimal.accountChange(), (e) => (e.severity_id = 42)),
      'severity_id',
      /not a defined severity_id/,
    );
    expectIssue(
      variant(minimal.entityManagement(), (e) => (e.entity.type_id = 8)),
      'entity.type_id',
      /not a defined type_id/,
    );
  });

  it('knows the observable types the data types define (as the OCSF server compiles them), with their captions', () => {
    const withObservable = (observable: Event) =>
      variant(minimal.apiActivity(), (e) => (e.observables = [{ name: 'src_endpoint.ip', value: '192.0.2.10', ...observable }]));
    expect(validateOcsfEvent(withObservable({ type_id: 2, type: 'IP Address' }))).toEqual([]);
    expect(validateOcsfEvent(withObservable({ type_id: 4, type: 'User Name' }))).toEqual([]);
    expectIssue(withObservable({ type_id: 2, type: 'User Name' }), 'observables[0].type', /should be "IP Address"/);
    expectIssue(withObservable({ type_id: 17 }), 'observables[0].type_id', /not a defined type_id/);
  });

  it('reports *_name siblings that disagree with the enum caption', () => {
    expectIssue(
      variant(minimal.accountChange(), (e) => (e.activity_name = 'Delete')),
      'activity_name',
      /should be "Create"/,
    );
    expectIssue(
      variant(minimal.accountChange(), (e) => (e.class_name = 'Entity Management')),
      'class_name',
      /should be "Account Change"/,
    );
    expectIssue(
      variant(minimal.accountChange(), (e) => (e.category_name = 'IAM')),
      'category_name',
      /Identity & Access Management/,
    );
    expectIssue(
      variant(minimal.accountChange(), (e) => (e.type_name = 'Account Change: Delete')),
      'type_name',
      /Account Change: Create/,
    );
  });

  it('reports derived values: type_uid, category_uid, metadata.version, class_uid', () => {
    expectIssue(
      variant(minimal.accountChange(), (e) => (e.type_uid = 300106)),
      'type_uid',
      /class_uid \* 100 \+ activity_id = 300101/,
    );
    expectIssue(
      variant(minimal.apiActivity(), (e) => (e.category_uid = 3)),
      'category_uid',
      /category 6/,
    );
    expectIssue(
      variant(minimal.apiActivity(), (e) => (e.metadata.version = '1.4.0')),
      'metadata.version',
      /"1\.5\.0"/,
    );
    expectIssue(
      variant(minimal.apiActivity(), (e) => (e.class_uid = 9999)),
      'class_uid',
      /unknown class_uid 9999/,
    );
  });

  it('reports constraint violations, nulls and non-objects', () => {
    expectIssue(
      variant(minimal.apiActivity(), (e) => (e.actor = {})),
      'actor',
      /at least one of: process, user/,
    );
    expectIssue(
      variant(minimal.entityManagement(), (e) => (e.entity = { type: 'Space' })),
      'entity',
      /at least one of: name, uid/,
    );
    expectIssue(
      variant(minimal.accountChange(), (e) => (e.message = null)),
      'message',
      /null is not allowed/,
    );
    expectIssue(
      variant(minimal.accountChange(), (e) => (e.message = undefined)),
      'message',
      /undefined is not allowed/,
    );
    expectIssue(
      variant(minimal.accountChange(), (e) => (e.unmapped = { n: Number.NaN })),
      'unmapped.n',
      /not representable/,
    );
    expect(validateOcsfEvent('{}')).toEqual([{ path: '', message: expect.stringMatching(/JSON object/) }]);
  });

  it("reports both defects of the example event in Mondoo's export documentation", () => {
    // Verbatim from "Continuously Export Audit Logs" (reference/mondoo-continuous-export.txt).
    const documented = {
      category_uid: 3,
      class_uid: 3004,
      activity_id: 1,
      type_uid: 300401,
      severity_id: 1,
      time: 1719900000,
      message: 'created service account',
      metadata: { product: { name: 'Mondoo Platform', vendor_name: 'Mondoo' }, version: '1.5.0' },
      actor: { user: { email_addr: 'jane@example.com', name: 'Jane Doe' } },
      entity: { name: 'my-service-account', type: 'Service Account' },
      api: { operation: 'CreateServiceAccount', service: { name: 'mondoo.agents.AgentManager' } },
      unmapped: {
        mondoo: {
          identity_mrn: '//captain.api.mondoo.app/users/abc123',
          resource_mrn: '//agents.api.mondoo.app/organizations/org-1/serviceaccounts/sa-1',
          scope_mrn: '//captain.api.mondoo.app/organizations/org-1',
        },
      },
    };
    const issues = validateOcsfEvent(documented);
    expect(paths(issues).sort()).toEqual(['api', 'time']);
    expectIssue(documented, 'time', /looks like epoch seconds/);
    expectIssue(documented, 'api', /cloud profile/);
  });
});

describe('validateOcsfEvent: speed', () => {
  it('validates tens of thousands of events quickly', () => {
    const events = Array.from({ length: 30_000 }, (_, i) =>
      i % 3 === 0 ? minimal.accountChange() : i % 3 === 1 ? minimal.entityManagement() : minimal.apiActivity(),
    );
    const started = performance.now();
    const invalid = events.filter((event) => validateOcsfEvent(event).length > 0).length;
    const elapsedMs = performance.now() - started;
    expect(invalid).toBe(0);
    expect(elapsedMs).toBeLessThan(10_000);
  });
});
