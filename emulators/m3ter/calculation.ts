/**
 * A small subset of m3ter's calculation language, enough for notification rules:
 * `new.status == "APPROVED" AND old.status != "APPROVED"`, `(new.billTotal > 100 OR new.currency == "EUR")`.
 * Comparisons `== != < > <= >=`, `AND`, `OR`, parentheses, double-quoted strings, numbers, `true`, `false`,
 * `null`, and fields `new.<path>` / `old.<path>` (a missing field is null). Anything else is a syntax error.
 */
import { getPath, type Json, type JsonObject } from './json';

type Token =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'word'; value: string }
  | { kind: 'op'; value: string }
  | { kind: 'paren'; value: '(' | ')' };

type Node =
  | { kind: 'literal'; value: Json }
  | { kind: 'field'; path: string }
  | { kind: 'compare'; op: string; left: Node; right: Node }
  | { kind: 'logic'; op: 'AND' | 'OR'; left: Node; right: Node };

export class CalculationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CalculationError';
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: 'paren', value: c });
      i += 1;
    } else if (c === '"') {
      let j = i + 1;
      let value = '';
      while (j < text.length && text.charAt(j) !== '"') {
        if (text.charAt(j) === '\\' && j + 1 < text.length) j += 1;
        value += text.charAt(j);
        j += 1;
      }
      if (j >= text.length) throw new CalculationError(`unterminated string at ${i}`);
      tokens.push({ kind: 'string', value });
      i = j + 1;
    } else if (/[=!<>]/.test(c)) {
      const two = text.slice(i, i + 2);
      if (['==', '!=', '<=', '>='].includes(two)) {
        tokens.push({ kind: 'op', value: two });
        i += 2;
      } else if (c === '<' || c === '>') {
        tokens.push({ kind: 'op', value: c });
        i += 1;
      } else throw new CalculationError(`unexpected '${c}' at ${i}`);
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(text.charAt(i + 1)))) {
      const m = /^-?\d+(\.\d+)?/.exec(text.slice(i));
      const literal = m?.[0] ?? c;
      tokens.push({ kind: 'number', value: Number(literal) });
      i += literal.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i));
      const word = m?.[0] ?? c;
      tokens.push({ kind: 'word', value: word });
      i += word.length;
    } else throw new CalculationError(`unexpected '${c}' at ${i}`);
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const node = this.or();
    if (this.pos < this.tokens.length) throw new CalculationError('unexpected input after the expression');
    return node;
  }

  private peekWord(word: string): boolean {
    const t = this.tokens[this.pos];
    return t?.kind === 'word' && t.value === word;
  }

  private or(): Node {
    let left = this.and();
    while (this.peekWord('OR')) {
      this.pos += 1;
      left = { kind: 'logic', op: 'OR', left, right: this.and() };
    }
    return left;
  }

  private and(): Node {
    let left = this.comparison();
    while (this.peekWord('AND')) {
      this.pos += 1;
      left = { kind: 'logic', op: 'AND', left, right: this.comparison() };
    }
    return left;
  }

  private comparison(): Node {
    const left = this.primary();
    const t = this.tokens[this.pos];
    if (t?.kind === 'op') {
      this.pos += 1;
      return { kind: 'compare', op: t.value, left, right: this.primary() };
    }
    return left;
  }

  private primary(): Node {
    const t = this.tokens[this.pos];
    if (!t) throw new CalculationError('unexpected end of the expression');
    this.pos += 1;
    if (t.kind === 'paren' && t.value === '(') {
      const inner = this.or();
      const close = this.tokens[this.pos];
      if (close?.kind !== 'paren' || close.value !== ')') throw new CalculationError("missing ')'");
      this.pos += 1;
      return inner;
    }
    if (t.kind === 'string' || t.kind === 'number') return { kind: 'literal', value: t.value };
    if (t.kind === 'word') {
      if (t.value === 'true') return { kind: 'literal', value: true };
      if (t.value === 'false') return { kind: 'literal', value: false };
      if (t.value === 'null') return { kind: 'literal', value: null };
      if (/^(new|old)\.[A-Za-z_]/.test(t.value)) return { kind: 'field', path: t.value };
      throw new CalculationError(`unknown name ${t.value} (fields are new.<field> or old.<field>)`);
    }
    throw new CalculationError(`unexpected '${t.value}'`);
  }
}

export function parseCalculation(text: string): Node {
  return new Parser(tokenize(text)).parse();
}

function compare(op: string, a: Json, b: Json): boolean {
  if (op === '==') return a === b;
  if (op === '!=') return a !== b;
  if (typeof a === 'number' && typeof b === 'number') {
    if (op === '<') return a < b;
    if (op === '>') return a > b;
    if (op === '<=') return a <= b;
    return a >= b;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    if (op === '<') return a < b;
    if (op === '>') return a > b;
    if (op === '<=') return a <= b;
    return a >= b;
  }
  return false;
}

function evaluate(node: Node, scope: { new?: JsonObject; old?: JsonObject }): Json {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'field': {
      const [root, ...rest] = node.path.split('.');
      const doc = root === 'new' ? scope.new : scope.old;
      return getPath(doc, rest.join('.')) ?? null;
    }
    case 'compare':
      return compare(node.op, evaluate(node.left, scope), evaluate(node.right, scope));
    case 'logic': {
      const left = evaluate(node.left, scope) === true;
      if (node.op === 'AND') return left && evaluate(node.right, scope) === true;
      return left || evaluate(node.right, scope) === true;
    }
  }
}

/** True when the calculation holds for the event's objects (a syntax error counts as false). */
export function calculationHolds(text: string, scope: { new?: JsonObject; old?: JsonObject }): boolean {
  try {
    return evaluate(parseCalculation(text), scope) === true;
  } catch {
    return false;
  }
}
