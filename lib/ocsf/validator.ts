// Schema-driven OCSF event validator. `verify` checks every exported line with it, so it ships in the
// product (lib/), and the tests and benchmarks check what they export. All rules come from the OCSF
// schema source files (see compiled-schema.ts): class/object attributes, dictionary types, enums,
// requirements, profiles and constraints. The only hand-written checks are the derived values the schema
// describes in prose: type_uid, category_uid, metadata.version and "timestamps are milliseconds".
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileSchema, type CompiledAttribute, type CompiledObject, type CompiledType, type OcsfSchema } from './compiled-schema';
import { isPlainObject } from './schema-source';

export type { OcsfSchema } from './compiled-schema';

export interface OcsfValidationIssue {
  path: string;
  message: string;
}

/** Below this an epoch-milliseconds timestamp_t is before 1973: almost certainly epoch seconds. */
const SECONDS_THRESHOLD = 1e11;
/** At or above this it is after year 5138: almost certainly microseconds or nanoseconds. */
const MICROSECONDS_THRESHOLD = 1e14;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const schemaCache = new Map<string, OcsfSchema>();

/**
 * The official OCSF 1.5.0 schema sources, vendored under their Apache-2.0 licence (LICENSE and NOTICE
 * beside them) so that any clone validates on its own; OCSF_SCHEMA_DIR points elsewhere.
 */
export function defaultOcsfSchemaDir(): string {
  return process.env.OCSF_SCHEMA_DIR ?? path.join(HERE, 'schema-1.5.0');
}

/** Reads and compiles the schema once per directory. */
export function loadOcsfSchema(dir: string = defaultOcsfSchemaDir()): OcsfSchema {
  const key = path.resolve(dir);
  let schema = schemaCache.get(key);
  if (!schema) schemaCache.set(key, (schema = compileSchema(key)));
  return schema;
}

interface WalkContext {
  schema: OcsfSchema;
  profiles: ReadonlySet<string>;
  issues: OcsfValidationIssue[];
}

const join = (parent: string, key: string) => (parent === '' ? key : `${parent}.${key}`);
const describe = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);
const show = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** Anything JSON.stringify would drop or mangle (undefined, functions, NaN, ...) is a defect. */
function checkJsonValue(value: unknown, at: string, ctx: WalkContext): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) ctx.issues.push({ path: at, message: `${value} is not representable in JSON` });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => checkJsonValue(item, `${at}[${i}]`, ctx));
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) checkJsonValue(item, join(at, key), ctx);
  } else {
    ctx.issues.push({ path: at, message: `${describe(value)} is not a JSON value` });
  }
}

function checkScalar(value: unknown, type: CompiledType, at: string, ctx: WalkContext): void {
  const fail = (message: string): void => {
    ctx.issues.push({ path: at, message });
  };
  switch (type.base) {
    case 'json_t':
      return checkJsonValue(value, at, ctx);
    case 'boolean_t':
      if (typeof value !== 'boolean') return fail(`expected ${type.name} (boolean), got ${describe(value)} ${show(value)}`);
      break;
    case 'string_t':
      if (typeof value !== 'string') return fail(`expected ${type.name} (string), got ${describe(value)} ${show(value)}`);
      break;
    case 'float_t':
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail(`expected ${type.name} (number), got ${describe(value)} ${show(value)}`);
      break;
    case 'integer_t':
      if (!Number.isInteger(value) || (value as number) < INT32_MIN || (value as number) > INT32_MAX) {
        return fail(`expected ${type.name} (32-bit integer), got ${describe(value)} ${show(value)}`);
      }
      break;
    case 'long_t':
      if (!Number.isSafeInteger(value)) return fail(`expected ${type.name} (64-bit integer), got ${describe(value)} ${show(value)}`);
      break;
  }
  if (typeof value === 'string') {
    if (type.maxLen !== undefined && value.length > type.maxLen) fail(`${type.name} is at most ${type.maxLen} characters, got ${value.length}`);
    for (const { type: regexType, regex } of type.regexes) {
      if (!regex.test(value)) fail(`${show(value)} does not match the ${regexType} format`);
    }
  }
  if (typeof value === 'number') {
    if (type.range && (value < type.range[0] || value > type.range[1])) fail(`${type.name} must be in [${type.range[0]}, ${type.range[1]}], got ${value}`);
    if (type.isTimestamp && value < SECONDS_THRESHOLD) {
      fail(`${type.name} ${value} is below 10^11: it looks like epoch seconds, but OCSF timestamps are epoch milliseconds`);
    } else if (type.isTimestamp && value >= MICROSECONDS_THRESHOLD) {
      fail(`${type.name} ${value} is at or above 10^14: it looks like epoch micro/nanoseconds, but OCSF timestamps are epoch milliseconds`);
    }
  }
  if (type.values && !type.values.includes(value)) fail(`${show(value)} is not one of the ${type.name} values ${show(type.values)}`);
}

function checkSingleValue(value: unknown, attr: CompiledAttribute, at: string, ctx: WalkContext): void {
  if (attr.objectType !== undefined) {
    const object = ctx.schema.objects.get(attr.objectType);
    if (!object) ctx.issues.push({ path: at, message: `schema object ${attr.objectType} is missing` });
    else checkObject(value, object, at, ctx);
    return;
  }
  if (attr.scalar) checkScalar(value, attr.scalar, at, ctx);
  // class_uid/category_uid/type_uid carry pinned enums for their captions; their values are checked as derived values.
  if (attr.enumCaptions && !attr.derived && (typeof value === 'number' || typeof value === 'string') && !attr.enumCaptions.has(String(value))) {
    const allowed = [...attr.enumCaptions].map(([k, caption]) => `${k} ${caption}`).join(', ');
    ctx.issues.push({ path: at, message: `${show(value)} is not a defined ${attr.name} value (${allowed})` });
  }
}

function checkAttribute(value: unknown, attr: CompiledAttribute, at: string, ctx: WalkContext): void {
  if (value === null || value === undefined) {
    ctx.issues.push({ path: at, message: `${value} is not allowed: omit the attribute instead` });
  } else if (attr.isArray) {
    if (!Array.isArray(value)) ctx.issues.push({ path: at, message: `expected an array, got ${describe(value)}` });
    else value.forEach((item, i) => checkSingleValue(item, attr, `${at}[${i}]`, ctx));
  } else if (Array.isArray(value)) {
    ctx.issues.push({ path: at, message: `expected a single value, got an array` });
  } else {
    checkSingleValue(value, attr, at, ctx);
  }
}

const isPresent = (record: Record<string, unknown>, key: string) => record[key] !== undefined && record[key] !== null;
const activeIn = (attr: CompiledAttribute, ctx: WalkContext) => attr.profile === null || ctx.profiles.has(attr.profile);

function checkObject(value: unknown, object: CompiledObject, at: string, ctx: WalkContext): void {
  if (!isPlainObject(value)) {
    ctx.issues.push({ path: at, message: `expected a ${object.name} object, got ${describe(value)}` });
    return;
  }
  if (object.openEnded) return checkJsonValue(value, at, ctx);
  for (const [key, item] of Object.entries(value)) {
    const attr = object.attributes.get(key);
    const where = join(at, key);
    if (!attr) ctx.issues.push({ path: where, message: `unknown attribute: ${object.name} has no attribute ${key}` });
    else if (!activeIn(attr, ctx))
      ctx.issues.push({ path: where, message: `attribute ${key} belongs to the ${attr.profile} profile, which metadata.profiles does not list` });
    else checkAttribute(item, attr, where, ctx);
  }
  for (const attr of object.required) {
    if (activeIn(attr, ctx) && !(attr.name in value))
      ctx.issues.push({ path: join(at, attr.name), message: `required attribute ${attr.name} of ${object.name} is missing` });
  }
  if (object.atLeastOne.length > 0 && !object.atLeastOne.some((key) => isPresent(value, key))) {
    ctx.issues.push({ path: at, message: `${object.name} needs at least one of: ${object.atLeastOne.join(', ')}` });
  }
  if (object.justOne.length > 0 && object.justOne.filter((key) => isPresent(value, key)).length !== 1) {
    ctx.issues.push({ path: at, message: `${object.name} needs exactly one of: ${object.justOne.join(', ')}` });
  }
  // An enum's sibling string (activity_id -> activity_name, ...) must be the caption unless the value is "Other".
  for (const attr of object.siblings) {
    const id = value[attr.name];
    const sibling = value[attr.sibling as string];
    if (sibling === undefined || (typeof id !== 'number' && typeof id !== 'string')) continue;
    const caption = attr.enumCaptions?.get(String(id));
    if (caption !== undefined && !attr.freeSiblingKeys?.has(String(id)) && sibling !== caption) {
      ctx.issues.push({
        path: join(at, attr.sibling as string),
        message: `${attr.sibling} should be ${show(caption)} for ${attr.name} ${id}, got ${show(sibling)}`,
      });
    }
  }
}

/** metadata.profiles decides which profile attributes are allowed; read it before walking the event. */
function declaredProfiles(event: Record<string, unknown>, ctx: WalkContext): Set<string> {
  const declared = new Set<string>();
  const metadata = event.metadata;
  const list = isPlainObject(metadata) ? metadata.profiles : undefined;
  if (!Array.isArray(list)) return declared;
  list.forEach((name, i) => {
    if (typeof name !== 'string') return; // the type walk reports it
    if (!ctx.schema.profiles.has(name)) ctx.issues.push({ path: `metadata.profiles[${i}]`, message: `unknown profile ${show(name)}` });
    declared.add(name);
  });
  return declared;
}

/** Returns every problem found; an empty array means the event is valid OCSF for this schema. */
export function validateOcsfEvent(event: unknown, schema: OcsfSchema = loadOcsfSchema()): OcsfValidationIssue[] {
  const issues: OcsfValidationIssue[] = [];
  if (!isPlainObject(event)) return [{ path: '', message: `an OCSF event is a JSON object, got ${describe(event)}` }];
  const classUid = event.class_uid;
  const cls = typeof classUid === 'number' ? schema.classes.get(classUid) : undefined;
  if (!cls) {
    const known = [...schema.classes.values()].map((c) => `${c.classUid} ${c.caption}`).join(', ');
    return [{ path: 'class_uid', message: `unknown class_uid ${show(classUid)} (schema has ${known})` }];
  }
  const ctx: WalkContext = { schema, profiles: new Set(), issues };
  ctx.profiles = declaredProfiles(event, ctx);
  checkObject(event, cls, '', ctx);

  if (event.category_uid !== undefined && event.category_uid !== cls.categoryUid) {
    issues.push({
      path: 'category_uid',
      message: `class ${cls.classUid} ${cls.caption} is in category ${cls.categoryUid} ${cls.categoryCaption}, got ${show(event.category_uid)}`,
    });
  }
  const activityId = event.activity_id;
  if (event.type_uid !== undefined && typeof activityId === 'number' && event.type_uid !== cls.classUid * 100 + activityId) {
    issues.push({
      path: 'type_uid',
      message: `type_uid must be class_uid * 100 + activity_id = ${cls.classUid * 100 + activityId}, got ${show(event.type_uid)}`,
    });
  }
  const metadata = event.metadata;
  if (isPlainObject(metadata) && metadata.version !== undefined && metadata.version !== schema.version) {
    issues.push({ path: 'metadata.version', message: `metadata.version must be ${show(schema.version)}, got ${show(metadata.version)}` });
  }
  return issues;
}
