// Write-only fields (tokens, keys, client secrets) are marked once, in the zod schema of the shape that
// carries them: `.meta({ writeOnly: true })`. Everything that must treat them specially derives from
// that marking: sealing before a workflow starts (lib/sealing.ts), the OpenAPI document, log redaction.
import { z } from 'zod';

type JsonSchema = {
  writeOnly?: boolean;
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  items?: JsonSchema;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
};

/** The marking, for schemas of new write-only fields: `writeOnly(z.string())`. */
export const writeOnly = <T extends z.ZodType>(schema: T, description?: string): T => schema.meta({ writeOnly: true, ...(description ? { description } : {}) });

/**
 * The dotted paths of every write-only field of a schema, through objects, unions (each branch) and
 * optional/default wrappers, e.g. ["source.token", "destination.credentials.serviceAccountJson"].
 * Array items appear as "[]" (none so far). Read from zod's own JSON Schema output, so every wrapper
 * zod knows is handled.
 */
export function writeOnlyPaths(schema: z.ZodType): string[] {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const paths = new Set<string>();
  const seen = new Set<JsonSchema>();
  const walk = (node: JsonSchema | undefined, path: string[]): void => {
    if (!node || typeof node !== 'object' || seen.has(node)) return;
    if (node.$ref?.startsWith('#/$defs/')) return walk(root.$defs?.[node.$ref.slice('#/$defs/'.length)], path);
    if (node.writeOnly === true && path.length > 0) paths.add(path.join('.'));
    seen.add(node);
    for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, [...path, key]);
    for (const branch of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]) walk(branch, path);
    if (node.items) walk(node.items, [...path, '[]']);
    seen.delete(node);
  };
  walk(root, []);
  return [...paths].sort();
}

/**
 * Replaces the value at each path (where present and a string) with `replace(value, path)`, on a copy.
 * Paths that do not apply to this value (another union branch, an absent optional) are skipped.
 */
export async function mapWriteOnlyFields<T>(value: T, paths: readonly string[], replace: (secret: string, path: string) => Promise<unknown>): Promise<T> {
  const copy = structuredClone(value);
  for (const path of paths) {
    const visit = async (node: unknown, keys: string[]): Promise<void> => {
      if (!node || typeof node !== 'object') return;
      const [key, ...rest] = keys;
      if (key === '[]') {
        if (Array.isArray(node)) for (const item of node) await visit(item, rest);
        return;
      }
      const record = node as Record<string, unknown>;
      if (!key || !Object.hasOwn(record, key)) return;
      if (rest.length > 0) return visit(record[key], rest);
      if (typeof record[key] === 'string') record[key] = await replace(record[key], path);
    };
    await visit(copy, path.split('.'));
  }
  return copy;
}
