import type { ComparisonNode, FilterExpression, FilterSyntaxError, Operand, ParseResult } from './ast';
import { syntaxError, tokenize, type Token } from './lexer';

/** Longest filter accepted (the settings API stores at most this much). */
export const MAX_FILTER_LENGTH = 4000;
/** Deepest parenthesis nesting accepted; bounds the parser's recursion. */
export const MAX_NESTING_DEPTH = 32;

const EXPECT_CONDITION = 'a value or "("';
const EXPECT_VALUE = 'a value';
const EXPECT_OPERATOR = 'a comparison operator (==, !=, <, <=, >, >=)';
const EXPECT_TOP_END = 'AND, OR or end of input';
const EXPECT_GROUP_END = 'AND, OR or ")"';

class ParseFailure {
  constructor(readonly error: FilterSyntaxError) {}
}

/**
 * Grammar (AND binds tighter than OR):
 *   filter     := or END
 *   or         := and ("OR" and)*
 *   and        := primary ("AND" primary)*
 *   primary    := "(" or ")" | comparison
 *   comparison := operand operator operand
 * Never throws: every problem is a FilterSyntaxError.
 */
export function parseAccountFilter(source: string): ParseResult {
  if (typeof source !== 'string') {
    return { ok: false, error: syntaxError(0, 'a non-string filter', 'a filter expression') };
  }
  if (source.length > MAX_FILTER_LENGTH) {
    const expected = `at most ${MAX_FILTER_LENGTH} characters`;
    const message = `Filter is too long at position ${MAX_FILTER_LENGTH}: ${source.length} characters, expected ${expected}`;
    return { ok: false, error: { position: MAX_FILTER_LENGTH, expected, message } };
  }
  try {
    const parser = new Parser(tokenize(source));
    const expression = parser.or(0);
    parser.expect('end', EXPECT_TOP_END);
    return { ok: true, expression };
  } catch (failure) {
    if (failure instanceof ParseFailure) return { ok: false, error: failure.error };
    throw failure;
  }
}

class Parser {
  private index = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  or(depth: number): FilterExpression {
    return this.chain('or', () => this.and(depth));
  }

  private and(depth: number): FilterExpression {
    return this.chain('and', () => this.primary(depth));
  }

  /** `next (keyword next)*`, as one n-ary node. */
  private chain(kind: 'and' | 'or', next: () => FilterExpression): FilterExpression {
    const operands = [next()];
    while (this.peek().kind === kind) {
      this.index += 1;
      operands.push(next());
    }
    return operands.length === 1 ? operands[0]! : { kind, operands };
  }

  private primary(depth: number): FilterExpression {
    const token = this.peek();
    if (token.kind !== 'lparen') return this.comparison();
    if (depth >= MAX_NESTING_DEPTH) {
      const expected = `at most ${MAX_NESTING_DEPTH} nested parentheses`;
      const message = `Too deeply nested "(" at position ${token.position}: expected ${expected}`;
      throw new ParseFailure({ position: token.position, expected, message });
    }
    this.index += 1;
    const inner = this.or(depth + 1);
    this.expect('rparen', EXPECT_GROUP_END);
    return inner;
  }

  private comparison(): ComparisonNode {
    const left = this.operand(EXPECT_CONDITION);
    const token = this.peek();
    if (token.kind !== 'operator') throw this.unexpected(token, EXPECT_OPERATOR);
    this.index += 1;
    const right = this.operand(EXPECT_VALUE);
    return { kind: 'comparison', operator: token.operator, left, right };
  }

  private operand(expected: string): Operand {
    const token = this.peek();
    if (token.kind !== 'operand') throw this.unexpected(token, expected);
    this.index += 1;
    return token.operand;
  }

  expect(kind: 'end' | 'rparen', expected: string): void {
    const token = this.peek();
    if (token.kind !== kind) throw this.unexpected(token, expected);
    this.index += 1;
  }

  private peek(): Token {
    // tokenize() always ends with an `end` or `error` token, and nothing consumes past either.
    const token = this.tokens[this.index] ?? this.tokens[this.tokens.length - 1]!;
    if (token.kind === 'error') throw new ParseFailure(token.error);
    return token;
  }

  private unexpected(token: Token, expected: string): ParseFailure {
    return new ParseFailure(syntaxError(token.position, describe(token), expected));
  }
}

function describe(token: Token): string {
  if (token.kind === 'end') return 'end of input';
  if (token.kind === 'operand' && token.text.startsWith('"')) return `string ${abbreviate(token.text)}`;
  return JSON.stringify(abbreviate(token.text));
}

function abbreviate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
