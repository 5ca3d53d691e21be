// Reads the OCSF schema *source* files (the format of github.com/ocsf/ocsf-schema) and resolves them
// into flat attribute maps: `$include`d profiles, `extends` chains and dictionary defaults merged the
// way the OCSF server merges them. Nothing here knows about a particular class: every rule the
// validator applies comes out of these files.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export type Json = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Child entries override parent entries key by key; nested maps (notably `enum`) merge too, which is
 * how `activity_id` keeps the dictionary's `0 Unknown`/`99 Other` next to a class's own activities.
 * An explicit `null` (e.g. `"profile": null`) overrides, so a class can detach an attribute from a profile.
 */
export function deepMerge(base: Json | undefined, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

function readJson(file: string): Json {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isPlainObject(parsed)) throw new Error(`OCSF schema file ${file} is not a JSON object`);
  return parsed;
}

function listJsonFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => path.join(dir, name));
}

/** A class or object after `$include` and `extends` resolution, before dictionary merging. */
export interface ResolvedDefinition {
  name: string;
  caption: string;
  /** Merged attribute entries (class/object overrides only; type and is_array come from the dictionary). */
  attributes: Record<string, Json>;
  /** Inherited through `extends`; a child that declares `constraints` (even `{}`) replaces its parent's. */
  constraints: Json;
  /** First `category` found walking up the `extends` chain (events only). */
  category?: string;
  uid?: number;
}

export interface SchemaSource {
  dir: string;
  version: string;
  dictionary: Record<string, Json>;
  types: Record<string, Json>;
  /** category name -> { uid, caption } */
  categories: Record<string, { uid: number; caption: string }>;
  profileNames: ReadonlySet<string>;
  events: ResolvedDefinition[];
  resolveObject(name: string): ResolvedDefinition | undefined;
}

export function readSchemaSource(dir: string): SchemaSource {
  const version = String(readJson(path.join(dir, 'version.json')).version);
  const dictionaryFile = readJson(path.join(dir, 'dictionary.json'));
  const dictionary = dictionaryFile.attributes as Record<string, Json>;
  const types = (dictionaryFile.types as Json).attributes as Record<string, Json>;

  const categories: SchemaSource['categories'] = {};
  for (const [name, entry] of Object.entries(readJson(path.join(dir, 'categories.json')).attributes as Record<string, Json>)) {
    categories[name] = { uid: Number(entry.uid), caption: String(entry.caption) };
  }

  const profileNames = new Set<string>();
  for (const file of listJsonFiles(path.join(dir, 'profiles'))) profileNames.add(String(readJson(file).name));

  // `$include` paths are relative to the schema root, e.g. "profiles/cloud.json".
  const includeCache = new Map<string, Json>();
  const readInclude = (rel: string): Json => {
    let file = includeCache.get(rel);
    if (!file) includeCache.set(rel, (file = readJson(path.join(dir, rel))));
    return file;
  };

  /** A file's own attributes: included profile attributes first (tagged with the profile), own entries over them. */
  const ownAttributes = (file: Json): Record<string, Json> => {
    const raw = (file.attributes ?? {}) as Record<string, unknown>;
    const out: Record<string, Json> = {};
    for (const rel of (raw.$include ?? []) as string[]) {
      const included = readInclude(rel);
      const profile = included.meta === 'profile' ? String(included.name) : undefined;
      for (const [name, entry] of Object.entries((included.attributes ?? {}) as Record<string, Json>)) {
        // The profile tag comes first so that an explicit `profile` in the entry still wins.
        out[name] = deepMerge(out[name], profile === undefined ? entry : { profile, ...entry });
      }
    }
    for (const [name, entry] of Object.entries(raw)) {
      if (name !== '$include') out[name] = deepMerge(out[name], entry as Json);
    }
    return out;
  };

  const makeResolver = (files: Map<string, Json>) => {
    const cache = new Map<string, ResolvedDefinition>();
    const resolve = (name: string, seen: readonly string[] = []): ResolvedDefinition | undefined => {
      const cached = cache.get(name);
      if (cached) return cached;
      const file = files.get(name);
      if (!file) return undefined;
      if (seen.includes(name)) throw new Error(`OCSF schema: extends cycle ${[...seen, name].join(' -> ')}`);
      const parentName = typeof file.extends === 'string' ? file.extends : undefined;
      const parent = parentName === undefined ? undefined : resolve(parentName, [...seen, name]);
      if (parentName !== undefined && !parent) throw new Error(`OCSF schema: ${name} extends unknown ${parentName}`);
      const attributes: Record<string, Json> = { ...parent?.attributes };
      for (const [attr, entry] of Object.entries(ownAttributes(file))) attributes[attr] = deepMerge(attributes[attr], entry);
      const resolved: ResolvedDefinition = {
        name,
        caption: String(file.caption ?? name),
        attributes,
        constraints: isPlainObject(file.constraints) ? file.constraints : (parent?.constraints ?? {}),
        category: typeof file.category === 'string' ? file.category : parent?.category,
        uid: typeof file.uid === 'number' ? file.uid : undefined,
      };
      cache.set(name, resolved);
      return resolved;
    };
    return resolve;
  };

  const byName = (files: string[]) => new Map(files.map((file) => readJson(file)).map((json) => [String(json.name), json]));
  const eventFiles = byName(listJsonFiles(path.join(dir, 'events')));
  const resolveEvent = makeResolver(eventFiles);
  // Only classes with a `uid` are concrete; `iam`, `application` (and `base_event`, category "other") are parents.
  const events = [...eventFiles.values()].filter((json) => typeof json.uid === 'number').map((json) => resolveEvent(String(json.name)) as ResolvedDefinition);

  return {
    dir,
    version,
    dictionary,
    types,
    categories,
    profileNames,
    events,
    resolveObject: makeResolver(byName(listJsonFiles(path.join(dir, 'objects')))),
  };
}
