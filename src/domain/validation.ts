import type { z } from 'zod';
import { ValidationError, type FieldIssue } from './errors';

/**
 * Input validation shared by every layer that takes input (the HTTP edge, the webhook receiver, the
 * settings use cases): zod parsing into a ValidationError that names each offending field, plus what no
 * schema says but storage needs.
 */

/** Turns zod issues into field issues with dotted paths under `prefix`. */
export function fieldIssues(error: z.ZodError, prefix?: string): FieldIssue[] {
  return error.issues.map((i) => {
    const path = [prefix, ...i.path.map(String)].filter((p) => p !== undefined && p !== '').join('.');
    let message = i.message;
    if (i.code === 'unrecognized_keys') message = `unknown field(s): ${i.keys.join(', ')}`;
    return { field: path || '(body)', message };
  });
}

/** Nesting deeper than any m3ter object or setting has (a bill line's pricing band is 8 levels into an event). */
export const MAX_JSON_DEPTH = 32;

/** The range of a PostgreSQL `integer` column (versions are stored in such columns). */
export const PG_INTEGER = { min: -2_147_483_648, max: 2_147_483_647 } as const;

/** U+0000 and unpaired UTF-16 surrogates: PostgreSQL text and jsonb cannot hold them. */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what it looks for
const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * What no schema says but the database needs: text without U+0000 or unpaired surrogates, and nesting no
 * deeper than MAX_JSON_DEPTH (deeper input overflows the stack of JSON.stringify and of PostgreSQL's jsonb
 * parser). Iterative, so input nested 100 000 levels deep is reported, not a stack overflow here.
 */
export function unstorableIssues(value: unknown, prefix?: string, limit = 20): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const stack: Array<{ v: unknown; path: string[] }> = [{ v: value, path: [] }];
  const name = (path: string[]) =>
    [prefix, ...path].filter((p) => p !== undefined && p !== '').join('.') || '(body)';
  while (stack.length && issues.length < limit) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (UNSTORABLE_TEXT.test(v))
        issues.push({
          field: name(path),
          message: 'contains U+0000 or an unpaired surrogate, which cannot be stored',
        });
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (path.length >= MAX_JSON_DEPTH) {
      issues.push({ field: name(path), message: `nested deeper than ${MAX_JSON_DEPTH} levels` });
      continue;
    }
    const entries: Array<[string, unknown]> = Array.isArray(v)
      ? v.map((x, i) => [String(i), x])
      : Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      if (UNSTORABLE_TEXT.test(key))
        issues.push({
          field: name([...path, JSON.stringify(key).slice(1, -1)]),
          message: 'field name contains U+0000 or an unpaired surrogate',
        });
      else stack.push({ v: child, path: [...path, key] });
    }
  }
  return issues;
}

/** Throws a ValidationError naming `field` unless `value` (when given) fits a PostgreSQL `integer` column. */
export function assertPgInteger(value: number | null | undefined, field: string): void {
  if (value === null || value === undefined) return;
  if (value < PG_INTEGER.min || value > PG_INTEGER.max)
    throw ValidationError.field(field, `must be between ${PG_INTEGER.min} and ${PG_INTEGER.max}`);
}

/** Parses `value` with `schema` or throws a ValidationError naming every offending field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.infer<S> {
  const unstorable = unstorableIssues(value, prefix);
  const result = schema.safeParse(value);
  if (result.success && unstorable.length === 0) return result.data;
  const issues = [...(result.success ? [] : fieldIssues(result.error, prefix)), ...unstorable];
  const summary = issues
    .slice(0, 5)
    .map((i) => `${i.field}: ${i.message}`)
    .join('; ');
  throw new ValidationError(`Invalid request: ${summary}`, issues);
}
