import fc from 'fast-check';

/**
 * Values a careless client or an attacker sends: wrong JSON types, numbers as strings, NaN-like strings,
 * huge strings and numbers, unicode, deep nesting, prototype-pollution keys, text PostgreSQL cannot store.
 * Each value comes with its JSON type, so a test knows whether a field of some type must reject it.
 */

export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'null' | 'array' | 'object';

export interface Hostile {
  value: unknown;
  /** The JSON type of `value` ('integer' for whole numbers, which are numbers too). */
  type: JsonType;
  /** Contains U+0000 or an unpaired surrogate somewhere: text PostgreSQL cannot store. */
  unstorable?: boolean;
  /** Nested deeper than any real m3ter object. */
  deep?: boolean;
  label: string;
}

export function jsonTypeOf(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  return 'object';
}

/** Does a field declared with `allowed` types accept a value of JSON type `t`? (integers are numbers) */
export function typeAllowed(t: JsonType, allowed: readonly JsonType[]): boolean {
  return allowed.includes(t) || (t === 'integer' && allowed.includes('number'));
}

const h = (value: unknown, label: string, extra: Partial<Hostile> = {}): Hostile => ({
  value,
  type: jsonTypeOf(value),
  label,
  ...extra,
});

export const NAN_LIKE = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  '-0',
  '0x10',
  '1_000',
  ' 12 ',
  '12abc',
  '',
  'null',
  'undefined',
  'true',
];

/**
 * A stand-in for a value nested `depth` levels: building and stringifying the real thing needs a deep stack,
 * so `jsonText` writes it out as text instead.
 */
export function deepMarker(depth: number, kind: 'object' | 'array'): unknown {
  return { __fuzzDeep: `${kind}:${depth}` };
}

/** JSON.stringify, with deep markers written out as deeply nested JSON. */
export function jsonText(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replace(
    /\{"__fuzzDeep":"(object|array):(\d+)"\}/g,
    (_m, kind: 'object' | 'array', depth: string) => nestedJsonText(Number(depth), kind),
  );
}

/** Raw JSON text nested `depth` levels (cheaper than building the value for very deep cases). */
export function nestedJsonText(depth: number, kind: 'object' | 'array' = 'object'): string {
  return kind === 'object'
    ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
    : `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

const unicodeSamples = [
  'Zoë Å ß 東京 🚀👩‍👩‍👧',
  '\u202Eevil\u202C',
  'a\u0301\u0302\u0303',
  '\uFEFFbom',
  '\t\n\r',
  '<script>alert(1)</script>',
  "'; DROP TABLE bills; --",
  '${jndi:ldap://x}',
  '../../etc/passwd',
  '%00%zz',
];

/** Hostile scalars and structures of every JSON type. */
export function hostileValue(): fc.Arbitrary<Hostile> {
  return fc.oneof(
    // numbers as strings and NaN-like strings
    fc.constantFrom(...NAN_LIKE).map((s) => h(s, 'nan-like string')),
    fc.integer().map((n) => h(String(n), 'number as string')),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => h(String(n), 'number as string')),
    // huge and odd numbers
    fc
      .constantFrom(
        1e308,
        -1e308,
        Number.MAX_SAFE_INTEGER,
        Number.MAX_SAFE_INTEGER + 2,
        2 ** 31,
        -(2 ** 31) - 1,
        2 ** 63,
        5e-324,
        -0,
      )
      .map((n) => h(n, 'huge or odd number')),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => h(n, 'double')),
    fc.integer({ min: -1000, max: 1000 }).map((n) => h(n, 'integer')),
    fc.boolean().map((b) => h(b, 'boolean')),
    fc.constant(h(null, 'null')),
    // strings: empty, huge, unicode, control characters
    fc.constant(h('', 'empty string')),
    fc.integer({ min: 10_000, max: 200_000 }).map((n) => h('x'.repeat(n), 'huge string')),
    fc.constantFrom(...unicodeSamples).map((s) => h(s, 'unicode string')),
    fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => h(s, 'random unicode')),
    fc
      .string({ unit: 'binary', maxLength: 40 })
      .map((s) => h(s, 'random code points', { unstorable: unstorable(s) })),
    fc
      .constantFrom('a\u0000b', '\u0000', 'x\ud800y', '\udfff')
      .map((s) => h(s, 'unstorable text', { unstorable: true })),
    // structures
    fc.constant(h([], 'empty array')),
    fc.constant(h({}, 'empty object')),
    fc.array(fc.integer(), { maxLength: 5 }).map((a) => h(a, 'array')),
    fc.jsonValue({ maxDepth: 3 }).map((v) => h(v, 'random JSON', { unstorable: unstorable(v) })),
    fc
      .constantFrom(200, 5000)
      .map((d) => h(deepMarker(d, 'object'), 'deeply nested object', { deep: true, type: 'object' })),
    fc
      .constantFrom(200, 5000)
      .map((d) => h(deepMarker(d, 'array'), 'deeply nested array', { deep: true, type: 'array' })),
    fc.constant(
      h(
        JSON.parse('{"__proto__":{"fuzzPolluted":true},"constructor":{"prototype":{"fuzzPolluted":true}}}'),
        'prototype keys',
      ),
    ),
  );
}

/** A value surely of a JSON type not in `allowed` (and not `undefined`). */
export function hostileNotOf(allowed: readonly JsonType[]): fc.Arbitrary<Hostile> {
  return hostileValue().filter((v) => !typeAllowed(v.type, allowed));
}

/** Contains U+0000 or an unpaired surrogate in some string or key. */
export function unstorable(v: unknown): boolean {
  const bad = (s: string) =>
    s.includes('\u0000') || /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
  const stack: unknown[] = [v];
  while (stack.length) {
    const x = stack.pop();
    if (typeof x === 'string') {
      if (bad(x)) return true;
    } else if (Array.isArray(x)) stack.push(...x);
    else if (x && typeof x === 'object') {
      for (const [k, val] of Object.entries(x)) {
        if (bad(k)) return true;
        stack.push(val);
      }
    }
  }
  return false;
}

/** The keys a prototype-pollution attempt uses. */
export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** Was Object.prototype (or Array.prototype) polluted by anything this process parsed? */
export function prototypePolluted(): boolean {
  const probe: Record<string, unknown> = {};
  const arr: unknown[] = [];
  return 'fuzzPolluted' in probe || 'fuzzPolluted' in arr || 'newDto' in probe || 'id' in probe;
}
