import fc from 'fast-check';
import { hostileNotOf, type Hostile, type JsonType } from './hostile';

/**
 * Arbitraries from the service's own OpenAPI document (`/openapi.json`, generated from the zod schemas the
 * routes validate with): values the document calls valid, and values it surely calls invalid, each with the
 * field it breaks.
 */

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
  description?: string;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: JsonSchema;
}

export interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
  security?: unknown[];
  summary?: string;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** Values for fields the schema alone cannot make valid often enough (ids that exist, current versions). */
export type Hints = (name: string, schema: JsonSchema) => fc.Arbitrary<unknown> | undefined;

export class SchemaArbitraries {
  constructor(
    private readonly doc: OpenApiDocument,
    private readonly hints: Hints = () => undefined,
  ) {}

  resolve(s: JsonSchema): JsonSchema {
    let cur = s;
    for (let i = 0; cur.$ref && i < 20; i++) {
      const name = cur.$ref.replace('#/components/schemas/', '');
      const target = this.doc.components?.schemas?.[name];
      if (!target) throw new Error(`unresolved ${cur.$ref}`);
      const { $ref: _ref, ...rest } = cur;
      cur = { ...target, ...rest };
    }
    return cur;
  }

  /** The JSON types a schema admits, or undefined when it admits anything. */
  allowedTypes(schema: JsonSchema): JsonType[] | undefined {
    const s = this.resolve(schema);
    const branches = s.anyOf ?? s.oneOf;
    if (branches) {
      const all = new Set<JsonType>();
      for (const b of branches) {
        const t = this.allowedTypes(b);
        if (!t) return undefined;
        t.forEach((x) => all.add(x));
      }
      return [...all];
    }
    if (s.enum)
      return [
        ...new Set(
          s.enum.map((v) =>
            v === null
              ? 'null'
              : Array.isArray(v)
                ? 'array'
                : typeof v === 'number'
                  ? 'number'
                  : (typeof v as JsonType),
          ),
        ),
      ];
    if (s.type === undefined) return undefined;
    return (Array.isArray(s.type) ? s.type : [s.type]) as JsonType[];
  }

  // -------------------------------------------------------------------------------------------------------
  // Valid by the document

  valid(schema: JsonSchema, name = '', depth = 0): fc.Arbitrary<unknown> {
    const hinted = this.hints(name, schema);
    if (hinted) return hinted;
    const s = this.resolve(schema);
    const branches = s.anyOf ?? s.oneOf;
    if (branches) return fc.oneof(...branches.map((b) => this.valid(b, name, depth)));
    if (s.enum) return fc.constantFrom(...s.enum);
    const types = this.allowedTypes(s);
    if (!types) return fc.jsonValue({ maxDepth: 1 });
    const arbs = types.map((t) => this.validOfType(s, t, name, depth));
    // null is allowed but rarely what a client sends
    if (types.length > 1 && types.includes('null')) {
      return fc.oneof(
        { weight: 1, arbitrary: fc.constant(null) },
        ...arbs.filter((_, i) => types[i] !== 'null').map((a) => ({ weight: 4, arbitrary: a })),
      );
    }
    return fc.oneof(...arbs);
  }

  private validOfType(s: JsonSchema, t: JsonType, name: string, depth: number): fc.Arbitrary<unknown> {
    switch (t) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
      case 'number': {
        const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1000);
        const max =
          s.maximum ??
          (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : Math.max(min + 1000, 1000));
        return t === 'integer'
          ? fc.oneof(fc.integer({ min, max: Math.min(max, min + 10) }), fc.integer({ min, max }))
          : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
      }
      case 'string':
        return this.validString(s);
      case 'array': {
        const items = s.items ? this.valid(s.items, name, depth + 1) : fc.jsonValue({ maxDepth: 1 });
        return fc.array(items, { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 3, 3) });
      }
      case 'object': {
        const props = s.properties ?? {};
        const required = new Set(s.required ?? []);
        const shape: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [k, v] of Object.entries(props)) shape[k] = this.valid(v, k, depth + 1);
        const base = fc.record(shape, { requiredKeys: Object.keys(props).filter((k) => required.has(k)) });
        if (s.additionalProperties === false || depth > 2) return base;
        // A loose object keeps unknown fields: add one now and then.
        return fc
          .tuple(
            base,
            fc.option(
              fc.tuple(fc.constantFrom('extra', 'x-note', 'customField'), fc.jsonValue({ maxDepth: 2 })),
              { freq: 4 },
            ),
          )
          .map(([o, extra]) => (extra && !(extra[0] in props) ? { ...o, [extra[0]]: extra[1] } : o));
      }
    }
  }

  private validString(s: JsonSchema): fc.Arbitrary<string> {
    if (s.format === 'date-time')
      return fc
        .date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date('2100-01-01T00:00:00Z'),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString());
    if (s.format === 'email')
      return fc.constantFrom('ops@example.com', 'billing+qbo@acme.example', 'a.b@c.io');
    if (s.pattern === '^[A-Z]{3}$') return fc.constantFrom('USD', 'EUR', 'GBP', 'JPY');
    if (s.pattern) return fc.stringMatching(new RegExp(s.pattern));
    const min = Math.max(s.minLength ?? 0, 0);
    const max = s.maxLength ?? 10_000;
    const printable = fc
      .string({ unit: 'grapheme-ascii', minLength: Math.max(min, 1), maxLength: Math.min(max, 24) })
      .filter((x) => x.trim().length >= Math.max(min, 1));
    const odd = fc
      .constantFrom(
        'Zoë Å 東京 🚀',
        "O'Brien; DROP TABLE integrations; --",
        '<b>x</b>',
        'a'.repeat(Math.min(max, 5000)),
        ' padded ',
        '2026-13-45T99:99:99Z',
        '-1',
        'NaN',
      )
      .filter((x) => x.length <= max && x.trim().length >= min);
    return fc.oneof({ weight: 6, arbitrary: printable }, { weight: 1, arbitrary: odd });
  }

  // -------------------------------------------------------------------------------------------------------
  // Surely invalid: one field of an otherwise generated value broken

  /** A value the schema rejects, or undefined when the schema admits anything. */
  invalidLeaf(schema: JsonSchema): fc.Arbitrary<{ value: unknown; label: string; sub?: string }> | undefined {
    const s = this.resolve(schema);
    const types = this.allowedTypes(s);
    if (!types) return undefined;
    const out: Array<fc.Arbitrary<{ value: unknown; label: string; sub?: string }>> = [
      hostileNotOf(types).map((h: Hostile) => ({ value: h.value, label: `wrong type (${h.label})` })),
    ];
    const isString = types.length === 1 && types[0] === 'string' && !s.anyOf && !s.oneOf;
    const stringish = types.includes('string') && !s.enum;
    if (stringish)
      out.push(fc.constantFrom('a\u0000b', 'x\ud800').map((value) => ({ value, label: 'unstorable text' })));
    if (s.enum && s.enum.every((e) => typeof e === 'string'))
      out.push(
        fc
          .constantFrom('NOT_A_VALUE', String(s.enum[0]).toLowerCase(), ` ${String(s.enum[0])}`)
          .filter((v) => !s.enum!.includes(v))
          .map((value) => ({ value, label: 'not in enum' })),
      );
    if (isString && (s.minLength ?? 0) >= 1) out.push(fc.constant({ value: '', label: 'empty string' }));
    if (isString && s.maxLength !== undefined && s.maxLength < 100_000)
      out.push(fc.constant({ value: 'x'.repeat(s.maxLength + 1), label: 'too long' }));
    if (isString && s.pattern === '^[A-Z]{3}$')
      out.push(
        fc.constantFrom('usd', 'US', 'USDX', '123').map((value) => ({ value, label: 'not a currency code' })),
      );
    if (isString && s.format === 'date-time')
      out.push(
        fc
          .constantFrom('yesterday', '2026-02-30', '2026-01-01 10:00', '1700000000')
          .map((value) => ({ value, label: 'not a date-time' })),
      );
    if (isString && s.format === 'email')
      out.push(
        fc
          .constantFrom('not-an-email', '@example.com', 'a@')
          .map((value) => ({ value, label: 'not an e-mail' })),
      );
    const numeric = types.includes('integer') || types.includes('number');
    if (numeric && types.includes('integer') && !types.includes('number'))
      out.push(fc.constantFrom(1.5, -0.25).map((value) => ({ value, label: 'not an integer' })));
    if (numeric && s.minimum !== undefined)
      out.push(fc.constant({ value: s.minimum - 1, label: 'below minimum' }));
    if (numeric && s.maximum !== undefined)
      out.push(fc.constant({ value: s.maximum + 1, label: 'above maximum' }));
    if (types.length === 1 && types[0] === 'array' && s.items) {
      const item = this.invalidLeaf(s.items);
      if (item) out.push(item.map((i) => ({ value: [i.value], label: `item ${i.label}`, sub: '0' })));
    }
    return fc.oneof(...out);
  }

  /**
   * An object for `schema` with exactly one thing wrong: a field of the wrong type or out of range, a
   * required field missing, or an unknown field where none is allowed. `field` is the dotted path.
   */
  invalidObject(schema: JsonSchema, prefix = ''): fc.Arbitrary<BrokenValue> | undefined {
    const s = this.resolve(schema);
    const props = s.properties ?? {};
    const required = s.required ?? [];
    const options: Array<fc.Arbitrary<BrokenValue>> = [];
    const at = (k: string) => (prefix ? `${prefix}.${k}` : k);
    const base = this.valid({ ...s, additionalProperties: false });

    for (const [k, v] of Object.entries(props)) {
      const leaf = this.invalidLeaf(v);
      if (leaf)
        options.push(
          fc.tuple(base, leaf).map(([o, bad]) => ({
            value: { ...(o as object), [k]: bad.value },
            field: bad.sub ? `${at(k)}.${bad.sub}` : at(k),
            label: `${k}: ${bad.label}`,
          })),
        );
      const inner = this.resolve(v);
      const innerTypes = this.allowedTypes(inner);
      if (inner.properties && innerTypes?.length === 1 && innerTypes[0] === 'object') {
        const nested = this.invalidObject(inner, at(k));
        if (nested)
          options.push(
            fc.tuple(base, nested).map(([o, n]) => ({ ...n, value: { ...(o as object), [k]: n.value } })),
          );
      }
    }
    for (const k of required)
      options.push(
        base.map((o) => {
          const copy = { ...(o as Record<string, unknown>) };
          delete copy[k];
          return { value: copy, field: at(k), label: `${k}: missing` };
        }),
      );
    if (s.additionalProperties === false)
      options.push(
        fc
          .tuple(base, fc.constantFrom('unexpectedField', 'isAdmin', 'constructor', 'prototype', 'Name'))
          .filter(([, k]) => !(k in props))
          .map(([o, k]) => ({
            value: { ...(o as object), [k]: true },
            field: prefix || '(body)',
            unknownKey: k,
            label: 'unknown field',
          })),
      );
    return options.length ? fc.oneof(...options) : undefined;
  }
}

export interface BrokenValue {
  value: unknown;
  /** The dotted path of the broken field (`(body)` for the body itself). */
  field: string;
  /** For an unknown field: its name (reported in the message). */
  unknownKey?: string;
  label: string;
}
