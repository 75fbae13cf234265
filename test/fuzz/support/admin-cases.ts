import fc from 'fast-check';
import { hostileValue, typeAllowed, type Hostile } from './hostile';
import {
  SchemaArbitraries,
  type BrokenValue,
  type JsonSchema,
  type OpenApiDocument,
  type Operation,
  type Parameter,
} from './schema-arb';

/**
 * Generated admin-API requests, driven by `/openapi.json`: every documented path × method, with generated
 * path parameters, query strings and bodies — valid ones, and ones broken in exactly one place (so the 400
 * must name that place) — plus wrong/missing API keys, malformed JSON, odd content types, oversized bodies
 * and undocumented routes.
 */

export type Auth = 'bearer' | 'x-api-key' | 'none' | 'wrong' | 'lowercase-bearer';

/** A path parameter; pool picks are resolved against the ids that exist when the request is sent. */
export type ParamPlan =
  | { kind: 'pool'; n: number }
  | { kind: 'uuid'; value: string }
  | { kind: 'value'; value: string }
  /** Already-encoded path text; `broken` when the service must reject it with 400. */
  | { kind: 'raw'; text: string; broken: boolean };

export interface QueryPlan {
  pairs: Array<[string, string]>;
  broken?: { field: string; unknownKey?: string; label: string };
}

export type BodyPlan =
  | { kind: 'none' }
  | { kind: 'valid'; value: unknown; idFromPath: boolean }
  | { kind: 'broken'; broken: BrokenValue }
  | { kind: 'hostile'; hostile: Hostile; allowed: boolean }
  | {
      kind: 'text';
      text: string;
      contentType: string | null;
      expect: 'malformed' | 'charset' | 'unparsed' | 'empty';
    }
  | { kind: 'oversize' }
  | { kind: 'deep'; value: unknown }
  /** A JSON body sent with a Content-Encoding: compressed properly, corrupt, or an encoding nobody supports. */
  | { kind: 'encoded'; encoding: string; corrupt: boolean; value: unknown };

export interface AdminCase {
  method: string;
  template: string;
  undocumented: boolean;
  params: Record<string, ParamPlan>;
  /** Params broken by construction (enum value not in the enum, too long). */
  brokenParam?: string;
  query: QueryPlan;
  body: BodyPlan;
  bodyRequired: boolean;
  auth: Auth;
  /** Documented without security (the OAuth callback): no API key involved. */
  isPublic: boolean;
}

export const BODY_LIMIT = 1_048_576;

const auth: fc.Arbitrary<Auth> = fc.oneof(
  { weight: 88, arbitrary: fc.constant<Auth>('bearer') },
  { weight: 4, arbitrary: fc.constant<Auth>('x-api-key') },
  { weight: 4, arbitrary: fc.constant<Auth>('none') },
  { weight: 3, arbitrary: fc.constant<Auth>('wrong') },
  { weight: 1, arbitrary: fc.constant<Auth>('lowercase-bearer') },
);

/** Path segments a client should never send; `%00` and broken percent-encoding must be a 400. */
const RAW_SEGMENTS: Array<[string, boolean]> = [
  ['%00', true],
  ['abc%00def', true],
  ['%zz', true],
  ['%E0%A4%A', true],
  ['%', true],
  ['not-a-uuid', false],
  ['0', false],
  ['-1', false],
  ['99999999999999999999', false],
  ['null', false],
  ['__proto__', false],
  ['constructor', false],
  ['%2F..%2F..%2Fetc%2Fpasswd', false],
  ['%27%3B%20DROP%20TABLE%20integrations%3B--', false],
  ['%F0%9F%9A%80', false],
  ['%20', false],
  ['00000000-0000-0000-0000-000000000000', false],
  ['ffffffff-ffff-ffff-ffff-ffffffffffff', false],
];

export function adminCases(doc: OpenApiDocument, arbs: SchemaArbitraries): fc.Arbitrary<AdminCase> {
  const operations: Array<{ template: string; method: string; op: Operation }> = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (template === '/webhooks/m3ter' || template === '/webhooks/quickbooks') continue; // their own suites
      operations.push({ template, method, op });
    }
  }
  const documented = operations.map(({ template, method, op }) => operationCase(arbs, template, method, op));
  return fc.oneof(
    { weight: 95, arbitrary: fc.oneof(...documented) },
    { weight: 5, arbitrary: undocumentedCase(doc) },
  );
}

function operationCase(
  arbs: SchemaArbitraries,
  template: string,
  method: string,
  op: Operation,
): fc.Arbitrary<AdminCase> {
  const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
  const queryParams = (op.parameters ?? []).filter((p) => p.in === 'query');
  const bodySchema = op.requestBody?.content['application/json']?.schema;
  const bodyRequired = op.requestBody?.required === true;

  const params = fc.tuple(...pathParams.map((p) => paramPlan(arbs, p))).map((plans) => {
    const out: Record<string, ParamPlan> = {};
    let brokenParam: string | undefined;
    plans.forEach(([plan, broken], i) => {
      const name = pathParams[i]!.name;
      out[name] = plan;
      if (broken || (plan.kind === 'raw' && plan.broken)) brokenParam ??= name;
    });
    return { params: out, brokenParam };
  });

  return fc
    .record({
      params: pathParams.length
        ? params
        : fc.constant({ params: {} as Record<string, ParamPlan>, brokenParam: undefined }),
      query: queryPlan(arbs, queryParams, !(Array.isArray(op.security) && op.security.length === 0)),
      body: bodySchema ? bodyPlan(arbs, bodySchema, template) : fc.constant<BodyPlan>({ kind: 'none' }),
      auth,
    })
    .map(({ params: p, query, body, auth: a }) => ({
      method: method.toUpperCase(),
      template,
      undocumented: false,
      params: p.params,
      brokenParam: p.brokenParam,
      query,
      body,
      bodyRequired,
      auth: a,
      isPublic: Array.isArray(op.security) && op.security.length === 0,
    }));
}

/** A plan and whether it is broken by the parameter's own schema. */
function paramPlan(arbs: SchemaArbitraries, p: Parameter): fc.Arbitrary<[ParamPlan, boolean]> {
  const s = arbs.resolve(p.schema);
  if (s.enum) {
    return fc.oneof(
      {
        weight: 8,
        arbitrary: fc
          .constantFrom(...s.enum.map(String))
          .map((value): [ParamPlan, boolean] => [{ kind: 'value', value }, false]),
      },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom('NotAnEntity', String(s.enum[0]).toLowerCase())
          .map((value): [ParamPlan, boolean] => [{ kind: 'value', value }, true]),
      },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom(...RAW_SEGMENTS)
          .map(([text]): [ParamPlan, boolean] => [{ kind: 'raw', text, broken: true }, true]),
      },
    );
  }
  const options: Array<{ weight: number; arbitrary: fc.Arbitrary<[ParamPlan, boolean]> }> = [
    { weight: 10, arbitrary: fc.nat().map((n): [ParamPlan, boolean] => [{ kind: 'pool', n }, false]) },
    {
      weight: 2,
      arbitrary: fc.uuid().map((value): [ParamPlan, boolean] => [{ kind: 'uuid', value }, false]),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...RAW_SEGMENTS)
        .map(([text, broken]): [ParamPlan, boolean] => [{ kind: 'raw', text, broken }, broken]),
    },
    {
      weight: 1,
      arbitrary: fc
        .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
        .map((value): [ParamPlan, boolean] => [{ kind: 'value', value }, false]),
    },
  ];
  if (s.maxLength !== undefined)
    options.push({
      weight: 1,
      arbitrary: fc.constant<[ParamPlan, boolean]>([
        { kind: 'value', value: 'x'.repeat(s.maxLength + 1) },
        true,
      ]),
    });
  else
    options.push({
      weight: 1,
      arbitrary: fc.constant<[ParamPlan, boolean]>([{ kind: 'value', value: 'x'.repeat(3000) }, false]),
    });
  return fc.oneof(...options);
}

function queryValue(arbs: SchemaArbitraries, p: Parameter): fc.Arbitrary<string> {
  const s = arbs.resolve(p.schema);
  // Lists travel comma-separated (`status=ERROR,DISABLED`).
  return arbs
    .valid(s, p.name)
    .map((v) =>
      typeof v === 'string' ? v : v === null ? '' : Array.isArray(v) ? v.join(',') : JSON.stringify(v),
    );
}

/** A value the parameter surely rejects (by its documented type and range). */
function brokenQueryValue(
  arbs: SchemaArbitraries,
  p: Parameter,
): fc.Arbitrary<{ value: string; label: string }> | undefined {
  const s = arbs.resolve(p.schema);
  const types = arbs.allowedTypes(s) ?? [];
  if (types.includes('integer') || types.includes('number')) {
    const bad = ['abc', '1.5', '1e400', '--1', '1,2', '0x', '%00'];
    if (s.minimum !== undefined) bad.push(String(s.minimum - 1));
    if (s.maximum !== undefined) bad.push(String(s.maximum + 1), String(s.maximum * 1000));
    return fc
      .constantFrom(...bad.filter((b) => !(b === '1.5' && types.includes('number'))))
      .map((value) => ({ value, label: `${p.name}: not a valid number` }));
  }
  if (s.enum)
    return fc
      .constantFrom('NOT_A_VALUE', `${String(s.enum[0])}x`)
      .map((value) => ({ value, label: `${p.name}: not in enum` }));
  if (types.includes('string')) {
    const bad = ['a\u0000b'];
    if ((s.minLength ?? 0) >= 1) bad.push('');
    return fc
      .constantFrom(...bad)
      .map((value) => ({ value, label: `${p.name}: ${value === '' ? 'empty' : 'unstorable'}` }));
  }
  return undefined;
}

function queryPlan(arbs: SchemaArbitraries, params: Parameter[], strict: boolean): fc.Arbitrary<QueryPlan> {
  const valid: fc.Arbitrary<Array<[string, string]>> = params.length
    ? fc
        .tuple(
          ...params.map((p) =>
            p.required
              ? queryValue(arbs, p).map((v) => v as string | undefined)
              : fc.option(queryValue(arbs, p), { nil: undefined, freq: 2 }),
          ),
        )
        .map((vals) =>
          vals.flatMap((v, i): Array<[string, string]> => (v === undefined ? [] : [[params[i]!.name, v]])),
        )
    : fc.constant([]);

  const breakers: Array<fc.Arbitrary<QueryPlan>> = [];
  for (const p of params) {
    const bad = brokenQueryValue(arbs, p);
    if (bad)
      breakers.push(
        fc.tuple(valid, bad).map(([pairs, b]) => ({
          pairs: [...pairs.filter(([k]) => k !== p.name), [p.name, b.value]],
          broken: { field: `query.${p.name}`, label: b.label },
        })),
      );
    if (p.required)
      breakers.push(
        valid.map((pairs) => ({
          pairs: pairs.filter(([k]) => k !== p.name),
          broken: { field: `query.${p.name}`, label: `${p.name}: missing` },
        })),
      );
  }
  // Admin query schemas are strict: an unknown parameter is named. (Routes without query parameters, and the public
  // OAuth callback, ignore what they do not know.)
  if (params.length && strict)
    breakers.push(
      fc
        .tuple(valid, fc.constantFrom('foo', 'sort', 'page', '__proto__', 'constructor', 'limit[]', 'LIMIT'))
        .filter(([, k]) => !params.some((p) => p.name === k))
        .map(([pairs, k]) => ({
          pairs: [...pairs, [k, '1']],
          broken: { field: 'query', unknownKey: k.replace('[]', ''), label: 'unknown parameter' },
        })),
    );
  // Repeated parameters: an array where one value is expected (or allowed, for lists): either way no 5xx.
  const repeated =
    params.length > 0
      ? fc
          .tuple(
            valid,
            fc.constantFrom(...params.map((p) => p.name)),
            fc.array(fc.string({ maxLength: 6 }), { minLength: 2, maxLength: 3 }),
          )
          .map(([pairs, k, vs]) => ({
            pairs: [...pairs.filter(([n]) => n !== k), ...vs.map((v): [string, string] => [k, v])],
          }))
      : fc.constant<QueryPlan>({ pairs: [] });
  return fc.oneof(
    { weight: 6, arbitrary: valid.map((pairs) => ({ pairs })) },
    ...(breakers.length ? [{ weight: 3, arbitrary: fc.oneof(...breakers) }] : []),
    { weight: 1, arbitrary: repeated },
  );
}

function bodyPlan(arbs: SchemaArbitraries, schema: JsonSchema, template: string): fc.Arbitrary<BodyPlan> {
  const s = arbs.resolve(schema);
  const allowed = arbs.allowedTypes(s) ?? [];
  const broken = arbs.invalidObject(s);
  const referenceUpsert = template.startsWith('/reference/') && template.endsWith('{id}');
  const options: Array<{ weight: number; arbitrary: fc.Arbitrary<BodyPlan> }> = [
    {
      weight: 8,
      arbitrary: fc
        .tuple(arbs.valid(s), fc.boolean())
        .map(([value, b]): BodyPlan => ({ kind: 'valid', value, idFromPath: referenceUpsert && b })),
    },
    {
      weight: 1,
      arbitrary: hostileValue().map((hostile): BodyPlan => ({
        kind: 'hostile',
        hostile,
        allowed: typeAllowed(hostile.type, allowed) && !hostile.unstorable && !hostile.deep,
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          '{',
          '{"name": "x",',
          "{'name':'x'}",
          '{"a":1,}',
          '[1,2',
          'NaN',
          '{"a":1}x',
          '{"a":"\\x"}',
          '{"a":"\\ud800"',
          'nul',
        )
        .map((text): BodyPlan => ({
          kind: 'text',
          text,
          contentType: 'application/json',
          expect: 'malformed',
        })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          'application/json; charset=latin1',
          'application/json; charset=utf-16',
          'application/json; charset=x-fuzz',
        )
        .map((contentType): BodyPlan => ({ kind: 'text', text: '{}', contentType, expect: 'charset' })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          null,
          'application/xml',
        )
        .map((contentType): BodyPlan => ({
          kind: 'text',
          text: 'name=x&destination=QuickBooks',
          contentType,
          expect: 'unparsed',
        })),
    },
    {
      weight: 1,
      arbitrary: fc.constant<BodyPlan>({
        kind: 'text',
        text: '',
        contentType: 'application/json',
        expect: 'empty',
      }),
    },
    { weight: 1, arbitrary: fc.constant<BodyPlan>({ kind: 'oversize' }) },
    {
      weight: 1,
      arbitrary: fc.tuple(arbs.valid(s), fc.constantFrom(100, 2000)).map(([value, depth]): BodyPlan => ({
        kind: 'deep',
        value: {
          ...(typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {}),
          extra: { __fuzzDeep: `object:${depth}` },
        },
      })),
    },
  ];
  options.push({
    weight: 1,
    arbitrary: fc
      .tuple(arbs.valid(s), fc.constantFrom('gzip', 'deflate', 'br', 'x-fuzz', 'compress'), fc.boolean())
      .map(([value, encoding, corrupt]): BodyPlan => ({ kind: 'encoded', encoding, corrupt, value })),
  });
  if (broken)
    options.push({ weight: 8, arbitrary: broken.map((b): BodyPlan => ({ kind: 'broken', broken: b })) });
  return fc.oneof(...options);
}

/** A method a documented path does not have, or a path nobody documented: 404 (401 without the key). */
function undocumentedCase(doc: OpenApiDocument): fc.Arbitrary<AdminCase> {
  const methods = ['get', 'post', 'put', 'patch', 'delete'];
  const missing: Array<[string, string]> = [];
  for (const [template, ms] of Object.entries(doc.paths))
    for (const m of methods)
      if (!ms[m] && template !== '/webhooks/m3ter' && template !== '/webhooks/quickbooks')
        missing.push([template, m]);
  const unknownPaths = [
    '/nope',
    '/integrations/a/b/c/d/e',
    '/admin',
    '/.env',
    '/reference/widgets',
    '/reference/widgets/1',
    '/integration-runs/x/y',
  ];
  return fc
    .tuple(
      fc.oneof(
        fc.constantFrom(...missing),
        fc.tuple(fc.constantFrom(...unknownPaths), fc.constantFrom(...methods)),
      ),
      auth,
    )
    .map(([[template, method], a]) => ({
      method: method.toUpperCase(),
      template,
      undocumented: true,
      params: Object.fromEntries(
        [...template.matchAll(/\{(\w+)\}/g)].map((m) => [m[1]!, { kind: 'value', value: 'x' } as ParamPlan]),
      ),
      query: { pairs: [] },
      body: { kind: 'none' },
      bodyRequired: false,
      auth: a,
      isPublic: false,
    }));
}
