/**
 * QBO's query language (quickbooks.md §3):
 *   SELECT * | count(*) FROM Entity [WHERE f op v [AND ...]] [ORDERBY f [ASC|DESC][, ...]]
 *   [STARTPOSITION n] [MAXRESULTS m]
 * Keywords, entity and field names are case-insensitive; ops `= < > <= >= IN LIKE` (LIKE with `%`);
 * strings in single quotes with `\'` escapes. No OR, no projections, no joins.
 */
import { getPath, isObject, type Json, type JsonObject } from './json';

export type Literal = string | number | boolean;
export type Operator = '=' | '<' | '>' | '<=' | '>=' | 'IN' | 'LIKE';

export interface Condition {
  field: string;
  op: Operator;
  value: Literal | Literal[];
}

export interface OrderBy {
  field: string;
  descending: boolean;
}

export interface ParsedQuery {
  count: boolean;
  entity: string;
  where: Condition[];
  orderBy: OrderBy[];
  startPosition?: number;
  maxResults?: number;
}

export class QuerySyntaxError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
    this.name = 'QuerySyntaxError';
  }
}

type TokenKind = 'word' | 'string' | 'number' | 'punct' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  value: string;
  column: number;
}

const PUNCT = ['<=', '>=', '!=', '*', '(', ')', ',', '=', '<', '>'];

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input.charAt(i);
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const column = i + 1;
    if (ch === "'") {
      let value = '';
      let j = i + 1;
      let closed = false;
      while (j < input.length) {
        const c = input.charAt(j);
        if (c === '\\' && j + 1 < input.length) {
          value += input.charAt(j + 1);
          j += 2;
          continue;
        }
        if (c === "'") {
          closed = true;
          break;
        }
        value += c;
        j += 1;
      }
      if (!closed)
        throw new QuerySyntaxError(
          `Lexical error at line 1, column ${column}. Unterminated string literal`,
          column,
        );
      tokens.push({ kind: 'string', text: input.slice(i, j + 1), value, column });
      i = j + 1;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(input.slice(i));
    if (num && (ch !== '-' || /\d/.test(input.charAt(i + 1)))) {
      tokens.push({ kind: 'number', text: num[0], value: num[0], column });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(input.slice(i));
    if (word) {
      tokens.push({ kind: 'word', text: word[0], value: word[0], column });
      i += word[0].length;
      continue;
    }
    const punct = PUNCT.find((p) => input.startsWith(p, i));
    if (punct) {
      tokens.push({ kind: 'punct', text: punct, value: punct, column });
      i += punct.length;
      continue;
    }
    throw new QuerySyntaxError(`Lexical error at line 1, column ${column}. Encountered: "${ch}"`, column);
  }
  tokens.push({ kind: 'end', text: '<EOF>', value: '', column: input.length + 1 });
  return tokens;
}

const KEYWORDS = new Set([
  'select',
  'from',
  'where',
  'and',
  'orderby',
  'order',
  'by',
  'asc',
  'desc',
  'startposition',
  'maxresults',
  'in',
  'like',
  'count',
]);

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    const t = this.tokens[this.pos] ?? this.tokens[this.tokens.length - 1];
    if (!t) throw new QuerySyntaxError('empty query', 1);
    return t;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'end') this.pos += 1;
    return t;
  }

  private fail(expected: string): never {
    const t = this.peek();
    throw new QuerySyntaxError(
      `Encountered " ${t.kind === 'word' ? '<IDENTIFIER>' : t.kind} "${t.text} "" at line 1, column ${t.column}. Was expecting: ${expected}`,
      t.column,
    );
  }

  private isKeyword(word: string): boolean {
    const t = this.peek();
    return t.kind === 'word' && t.value.toLowerCase() === word;
  }

  private keyword(word: string): void {
    if (!this.isKeyword(word)) this.fail(`"${word.toUpperCase()}"`);
    this.next();
  }

  private punct(p: string): void {
    const t = this.peek();
    if (t.kind !== 'punct' || t.value !== p) this.fail(`"${p}"`);
    this.next();
  }

  private identifier(what: string): string {
    const t = this.peek();
    if (t.kind !== 'word' || KEYWORDS.has(t.value.toLowerCase())) this.fail(what);
    this.next();
    return t.value;
  }

  private integer(what: string): number {
    const t = this.peek();
    if (t.kind !== 'number' || !/^\d+$/.test(t.value)) this.fail(what);
    this.next();
    return Number(t.value);
  }

  private literal(): Literal {
    const t = this.peek();
    if (t.kind === 'string') {
      this.next();
      return t.value;
    }
    if (t.kind === 'number') {
      this.next();
      return Number(t.value);
    }
    if (t.kind === 'word' && (t.value.toLowerCase() === 'true' || t.value.toLowerCase() === 'false')) {
      this.next();
      return t.value.toLowerCase() === 'true';
    }
    return this.fail('a quoted string, a number, true or false');
  }

  parse(): ParsedQuery {
    this.keyword('select');
    let count = false;
    const sel = this.peek();
    if (sel.kind === 'punct' && sel.value === '*') {
      this.next();
    } else if (this.isKeyword('count')) {
      this.next();
      this.punct('(');
      this.punct('*');
      this.punct(')');
      count = true;
    } else {
      this.fail('"*" or "count(*)"');
    }
    this.keyword('from');
    const entity = this.identifier('an entity name');
    const query: ParsedQuery = { count, entity, where: [], orderBy: [] };
    if (this.isKeyword('where')) {
      this.next();
      query.where.push(this.condition());
      while (this.isKeyword('and')) {
        this.next();
        query.where.push(this.condition());
      }
    }
    for (;;) {
      if (this.isKeyword('orderby') || this.isKeyword('order')) {
        if (this.next().value.toLowerCase() === 'order') this.keyword('by');
        query.orderBy.push(this.order());
        while (this.peek().kind === 'punct' && this.peek().value === ',') {
          this.next();
          query.orderBy.push(this.order());
        }
      } else if (this.isKeyword('startposition')) {
        this.next();
        query.startPosition = this.integer('a start position');
      } else if (this.isKeyword('maxresults')) {
        this.next();
        query.maxResults = this.integer('a maximum number of results');
      } else {
        break;
      }
    }
    if (this.peek().kind !== 'end') this.fail('<EOF>');
    return query;
  }

  private order(): OrderBy {
    const field = this.identifier('a field name');
    let descending = false;
    if (this.isKeyword('desc')) {
      this.next();
      descending = true;
    } else if (this.isKeyword('asc')) {
      this.next();
    }
    return { field, descending };
  }

  private condition(): Condition {
    const field = this.identifier('a field name');
    const t = this.peek();
    if (t.kind === 'punct' && ['=', '<', '>', '<=', '>='].includes(t.value)) {
      this.next();
      return { field, op: t.value as Operator, value: this.literal() };
    }
    if (this.isKeyword('in')) {
      this.next();
      this.punct('(');
      const values = [this.literal()];
      while (this.peek().kind === 'punct' && this.peek().value === ',') {
        this.next();
        values.push(this.literal());
      }
      this.punct(')');
      return { field, op: 'IN', value: values };
    }
    if (this.isKeyword('like')) {
      this.next();
      const value = this.literal();
      if (typeof value !== 'string') this.fail('a quoted pattern');
      return { field, op: 'LIKE', value };
    }
    return this.fail('"=", "<", ">", "<=", ">=", "IN" or "LIKE"');
  }
}

export function parseQuery(text: string): ParsedQuery {
  return new Parser(tokenize(text)).parse();
}

/** True when a condition names the field (top-level, case-insensitive). */
export function mentionsField(query: ParsedQuery, field: string): boolean {
  return query.where.some((c) => c.field.toLowerCase() === field.toLowerCase());
}

/** The comparable value of a field: references (`CustomerRef`) compare by their `value`. */
function fieldValue(doc: JsonObject, field: string): Json | undefined {
  const v = getPath(doc, field);
  if (isObject(v) && 'value' in v) return v.value;
  return v;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/;

/** -1/0/1, or undefined when the two cannot be compared. Strings compare case-insensitively. */
function compare(docValue: Json | undefined, literal: Literal): number | undefined {
  if (docValue === undefined || docValue === null || isObject(docValue) || Array.isArray(docValue))
    return undefined;
  if (typeof literal === 'boolean') {
    const b =
      typeof docValue === 'boolean'
        ? docValue
        : docValue === 'true'
          ? true
          : docValue === 'false'
            ? false
            : undefined;
    return b === undefined ? undefined : Number(b) - Number(literal);
  }
  if (typeof literal === 'number' || typeof docValue === 'number') {
    const a = Number(docValue);
    const b = Number(literal);
    if (Number.isNaN(a) || Number.isNaN(b)) return undefined;
    return Math.sign(a - b);
  }
  const a = String(docValue);
  if (DATE_TIME.test(a) && DATE_TIME.test(literal) && (a.includes('T') || literal.includes('T'))) {
    const x = Date.parse(a);
    const y = Date.parse(literal);
    if (!Number.isNaN(x) && !Number.isNaN(y)) return Math.sign(x - y);
  }
  const x = a.toLowerCase();
  const y = literal.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function likeToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('%')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'is');
}

/** A condition as a predicate (a LIKE pattern is compiled once). */
export function compileCondition(c: Condition): (doc: JsonObject) => boolean {
  if (c.op !== 'LIKE') return (doc) => matches(doc, c);
  const pattern = likeToRegExp(String(c.value));
  return (doc) => {
    const v = fieldValue(doc, c.field);
    return (typeof v === 'string' || typeof v === 'number') && pattern.test(String(v));
  };
}

export function matches(doc: JsonObject, c: Condition): boolean {
  const v = fieldValue(doc, c.field);
  switch (c.op) {
    case 'IN':
      return (c.value as Literal[]).some((lit) => compare(v, lit) === 0);
    case 'LIKE':
      return compileCondition(c)(doc);
    default: {
      const r = compare(v, c.value as Literal);
      if (r === undefined) return false;
      if (c.op === '=') return r === 0;
      if (c.op === '<') return r < 0;
      if (c.op === '>') return r > 0;
      if (c.op === '<=') return r <= 0;
      return r >= 0;
    }
  }
}

function orderValue(doc: JsonObject, field: string): Json | undefined {
  const v = fieldValue(doc, field);
  return field.toLowerCase() === 'id' && typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
}

function sortCompare(a: Json | undefined, b: Json | undefined): number {
  const aMissing = a === undefined || a === null;
  const bMissing = b === undefined || b === null;
  if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1;
  if (typeof b === 'string' || typeof b === 'number' || typeof b === 'boolean') return compare(a, b) ?? 0;
  return 0;
}

export const DEFAULT_MAX_RESULTS = 100;
export const MAX_RESULTS_LIMIT = 1000;

export interface QueryPage {
  items: JsonObject[];
  totalCount: number;
  startPosition: number;
}

/** Filters, sorts (by Id when no ORDERBY) and pages; STARTPOSITION is 1-based. */
export function runQuery(docs: JsonObject[], query: ParsedQuery): QueryPage {
  const predicates = query.where.map(compileCondition);
  const filtered = docs.filter((d) => predicates.every((p) => p(d)));
  const orders: OrderBy[] = query.orderBy.length > 0 ? query.orderBy : [{ field: 'Id', descending: false }];
  const sorted = filtered
    .map((doc, index) => ({ doc, index }))
    .sort((x, y) => {
      for (const o of orders) {
        const r = sortCompare(orderValue(x.doc, o.field), orderValue(y.doc, o.field));
        if (r !== 0) return o.descending ? -r : r;
      }
      return x.index - y.index;
    })
    .map((e) => e.doc);
  const startPosition = Math.max(1, query.startPosition ?? 1);
  const maxResults = query.maxResults ?? DEFAULT_MAX_RESULTS;
  return {
    items: sorted.slice(startPosition - 1, startPosition - 1 + maxResults),
    totalCount: filtered.length,
    startPosition,
  };
}
