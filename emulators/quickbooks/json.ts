/** JSON values as QBO sends and receives them, plus small readers for untrusted request bodies. */
export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json | undefined;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asObject(value: unknown): JsonObject | undefined {
  return isObject(value) ? value : undefined;
}

export function asArray(value: unknown): Json[] | undefined {
  return Array.isArray(value) ? (value as Json[]) : undefined;
}

/** A string, or a number written as a string (QBO accepts "5" and 5 for ids). */
export function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A finite number, or a numeric string. */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

export function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** `{value: "..."}` references (CustomerRef, ItemRef, CurrencyRef); a bare string is accepted too. */
export function refValue(value: unknown): string | undefined {
  if (isObject(value)) return asString(value.value);
  return asString(value);
}

/** Deep copy that also drops `undefined` members, so stored documents are plain JSON. */
export function clone<T extends Json | JsonObject>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Reads `a.b.c` from an object; arrays are not traversed. */
export function getPath(doc: JsonObject, path: string): Json | undefined {
  let current: Json | undefined = doc;
  for (const part of path.split('.')) {
    if (!isObject(current)) return undefined;
    current = findKey(current, part);
  }
  return current;
}

/** Member lookup that tolerates a different letter case (QBO field names in queries are case-insensitive). */
export function findKey(doc: JsonObject, key: string): Json | undefined {
  if (key in doc) return doc[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(doc)) if (k.toLowerCase() === lower) return doc[k];
  return undefined;
}

/** Key-order independent serialization, for comparing request bodies. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
