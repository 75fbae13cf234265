/** JSON values as m3ter sends and stores them. */
export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json | undefined;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy that drops `undefined` members, so stored objects are plain JSON. */
export function clone<T extends Json | JsonObject>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Reads `a.b.c` from an object; arrays are not traversed. */
export function getPath(doc: Json | undefined, path: string): Json | undefined {
  let current: Json | undefined = doc;
  for (const part of path.split('.')) {
    if (!isObject(current)) return undefined;
    current = current[part];
  }
  return current;
}

/** Removes floating-point noise (0.1 + 0.2) without rounding real fractions of a cent away. */
export function tidy(n: number): number {
  return Number(n.toFixed(10));
}
