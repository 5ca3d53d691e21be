// Compiles the resolved schema source into lookup structures the validator can walk without any
// further merging: per class/object a map of attributes with their final type, array-ness, enum,
// requirement and profile. Compiled once per schema directory (see loadOcsfSchema).
import { deepMerge, isPlainObject, readSchemaSource, type Json, type ResolvedDefinition, type SchemaSource } from './schema-source';

/** The dictionary types that have no parent `type`: every other data type narrows one of these. */
export type BaseType = 'boolean_t' | 'integer_t' | 'long_t' | 'float_t' | 'string_t' | 'json_t';
const BASE_TYPES: readonly string[] = ['boolean_t', 'integer_t', 'long_t', 'float_t', 'string_t', 'json_t'];

export interface CompiledType {
  name: string;
  base: BaseType;
  /** Constraints collected along the type chain (e.g. port_t -> integer_t), most derived first. */
  regexes: readonly { type: string; regex: RegExp }[];
  maxLen?: number;
  range?: readonly [number, number];
  values?: readonly unknown[];
  /** timestamp_t or a type derived from it: epoch milliseconds. */
  isTimestamp: boolean;
}

export interface CompiledAttribute {
  name: string;
  requirement: string;
  /** The profile that must be listed in metadata.profiles for the attribute to be allowed, or null. */
  profile: string | null;
  isArray: boolean;
  /** Exactly one of `scalar` / `objectType` is set. */
  scalar?: CompiledType;
  objectType?: string;
  /** enum key (as a string) -> caption */
  enumCaptions?: ReadonlyMap<string, string>;
  /** Enum keys whose sibling string is source-defined rather than the caption (the "Other" values). */
  freeSiblingKeys?: ReadonlySet<string>;
  sibling?: string;
  /** class_uid, category_uid and type_uid: checked as derived values by the validator, not as plain enums. */
  derived?: boolean;
}

export interface CompiledObject {
  name: string;
  caption: string;
  /** The generic `object` type (e.g. `unmapped`): any JSON object is accepted. */
  openEnded: boolean;
  attributes: ReadonlyMap<string, CompiledAttribute>;
  required: readonly CompiledAttribute[];
  siblings: readonly CompiledAttribute[];
  atLeastOne: readonly string[];
  justOne: readonly string[];
}

export interface CompiledClass extends CompiledObject {
  classUid: number;
  categoryUid: number;
  categoryName: string;
  categoryCaption: string;
  /** activity_id -> caption */
  activities: ReadonlyMap<number, string>;
}

export interface OcsfSchema {
  dir: string;
  version: string;
  classes: ReadonlyMap<number, CompiledClass>;
  objects: ReadonlyMap<string, CompiledObject>;
  profiles: ReadonlySet<string>;
}

const OTHER_KEY = '99';

/**
 * observable.type_id's enum: the schema file lists only 0 Unknown and 99 Other; the OCSF server adds
 * one value per data type and dictionary attribute that carries an `observable` number, captioned as
 * that type or attribute is (2 IP Address from ip_t, 4 User Name from username_t, ...). Object-level
 * observables (20 Endpoint, 21 User, ...) are not compiled: the mapper emits none, so they stay rejected.
 */
function observableTypeCaptions(source: SchemaSource, declared: Map<string, string> | undefined): Map<string, string> {
  const captions = new Map(declared);
  for (const entries of [source.types, source.dictionary]) {
    for (const entry of Object.values(entries)) {
      if (typeof entry.observable === 'number') captions.set(String(entry.observable), String(entry.caption));
    }
  }
  return captions;
}

function compileTypes(types: Record<string, Json>): Map<string, CompiledType> {
  const compiled = new Map<string, CompiledType>();
  for (const name of Object.keys(types)) {
    const regexes: { type: string; regex: RegExp }[] = [];
    let maxLen: number | undefined;
    let range: [number, number] | undefined;
    let values: unknown[] | undefined;
    let isTimestamp = false;
    let current: string | undefined = name;
    const seen = new Set<string>();
    // Walk up the type chain; the most derived constraint of each kind wins.
    while (current !== undefined && !BASE_TYPES.includes(current)) {
      if (seen.has(current)) throw new Error(`OCSF schema: type cycle at ${current}`);
      seen.add(current);
      const entry: Json | undefined = types[current];
      if (!entry) throw new Error(`OCSF schema: type ${name} derives from unknown type ${current}`);
      if (current === 'timestamp_t') isTimestamp = true;
      if (typeof entry.regex === 'string') regexes.push({ type: current, regex: new RegExp(entry.regex) });
      if (typeof entry.max_len === 'number') maxLen ??= entry.max_len;
      if (Array.isArray(entry.range)) range ??= [Number(entry.range[0]), Number(entry.range[1])];
      if (Array.isArray(entry.values)) values ??= entry.values;
      current = typeof entry.type === 'string' ? entry.type : undefined;
    }
    if (current === undefined) throw new Error(`OCSF schema: type ${name} has no known base type`);
    compiled.set(name, { name, base: current as BaseType, regexes, maxLen, range, values, isTimestamp });
  }
  return compiled;
}

function enumCaptions(entry: Json): Map<string, string> | undefined {
  if (!isPlainObject(entry.enum)) return undefined;
  const map = new Map<string, string>();
  for (const [key, value] of Object.entries(entry.enum)) map.set(key, String((value as Json).caption ?? key));
  return map;
}

export function compileSchema(dir: string): OcsfSchema {
  const source: SchemaSource = readSchemaSource(dir);
  const types = compileTypes(source.types);
  const datetimeType = types.get('datetime_t');
  const objects = new Map<string, CompiledObject>();
  const pending: string[] = [];

  const compileAttribute = (name: string, override: Json, owner: string): CompiledAttribute => {
    const dictEntry = source.dictionary[name];
    if (!dictEntry) throw new Error(`OCSF schema: ${owner}.${name} is not in dictionary.json`);
    const merged = deepMerge(dictEntry, override);
    const typeName = String(merged.type);
    const scalar = types.get(typeName);
    if (!scalar) {
      if (!source.resolveObject(typeName)) throw new Error(`OCSF schema: ${owner}.${name} has unknown type ${typeName}`);
      if (!objects.has(typeName) && !pending.includes(typeName)) pending.push(typeName);
    }
    const declared = enumCaptions(merged);
    const captions = owner === 'observable' && name === 'type_id' ? observableTypeCaptions(source, declared) : declared;
    return {
      name,
      requirement: typeof merged.requirement === 'string' ? merged.requirement : 'optional',
      profile: typeof merged.profile === 'string' ? merged.profile : null,
      isArray: merged.is_array === true,
      scalar,
      objectType: scalar ? undefined : typeName,
      enumCaptions: captions,
      freeSiblingKeys: captions?.has(OTHER_KEY) ? new Set([OTHER_KEY]) : undefined,
      sibling: typeof merged.sibling === 'string' ? merged.sibling : undefined,
    };
  };

  const compileDefinition = (def: ResolvedDefinition): Omit<CompiledObject, 'required' | 'siblings'> => {
    const attributes = new Map<string, CompiledAttribute>();
    for (const [name, entry] of Object.entries(def.attributes)) attributes.set(name, compileAttribute(name, entry, def.name));
    // The datetime profile has no attribute list of its own: it adds an RFC 3339 `<name>_dt` sibling
    // (datetime_t) next to every timestamp_t attribute, as the OCSF server does.
    if (datetimeType && source.profileNames.has('datetime')) {
      for (const attr of [...attributes.values()]) {
        if (!attr.scalar?.isTimestamp || attributes.has(`${attr.name}_dt`)) continue;
        attributes.set(`${attr.name}_dt`, {
          name: `${attr.name}_dt`,
          requirement: 'optional',
          profile: 'datetime',
          isArray: attr.isArray,
          scalar: datetimeType,
        });
      }
    }
    const list = (key: string) => (Array.isArray(def.constraints[key]) ? (def.constraints[key] as string[]) : []);
    return { name: def.name, caption: def.caption, openEnded: def.name === 'object', attributes, atLeastOne: list('at_least_one'), justOne: list('just_one') };
  };

  const finish = <T extends Omit<CompiledObject, 'required' | 'siblings'>>(partial: T): T & CompiledObject => {
    const attrs = [...partial.attributes.values()];
    return {
      ...partial,
      required: attrs.filter((a) => a.requirement === 'required'),
      siblings: attrs.filter((a) => a.sibling !== undefined && a.enumCaptions !== undefined),
    };
  };

  const classes = new Map<number, CompiledClass>();
  for (const def of source.events) {
    const category = def.category === undefined ? undefined : source.categories[def.category];
    if (!category || def.uid === undefined) throw new Error(`OCSF schema: class ${def.name} has no known category`);
    const classUid = category.uid * 1000 + def.uid;
    const base = compileDefinition(def);
    const attributes = new Map(base.attributes);
    const activityAttr = attributes.get('activity_id');
    const activities = new Map([...(activityAttr?.enumCaptions ?? new Map<string, string>())].map(([k, v]) => [Number(k), v] as const));
    // The class pins its own class_uid/category_uid/type_uid values (the source files only carry the
    // base event's `0` entries); keeping captions here lets the generic sibling check verify *_name.
    const pin = (name: string, captions: Map<string, string>, freeSiblingKeys?: Set<string>) => {
      const attr = attributes.get(name);
      if (attr) attributes.set(name, { ...attr, enumCaptions: captions, freeSiblingKeys, derived: true });
    };
    pin('class_uid', new Map([[String(classUid), def.caption]]));
    pin('category_uid', new Map([[String(category.uid), category.caption]]));
    pin(
      'type_uid',
      new Map([...activities].map(([id, caption]) => [String(classUid * 100 + id), `${def.caption}: ${caption}`])),
      new Set([String(classUid * 100 + Number(OTHER_KEY))]),
    );
    classes.set(
      classUid,
      finish({ ...base, attributes, classUid, categoryUid: category.uid, categoryName: def.category as string, categoryCaption: category.caption, activities }),
    );
  }

  // Compile every object reachable from the classes now, so validation never compiles lazily.
  for (let name = pending.shift(); name !== undefined; name = pending.shift()) {
    if (objects.has(name)) continue;
    objects.set(name, finish(compileDefinition(source.resolveObject(name) as ResolvedDefinition)));
  }

  return { dir, version: source.version, classes, objects, profiles: source.profileNames };
}
