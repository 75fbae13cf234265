import {
  OBJECT_VARIABLES,
  SCALAR_VARIABLES,
  type ComparisonOperator,
  type FilterSyntaxError,
  type Operand,
} from './ast';

/**
 * Tokens of the filter language. Positions are 0-based UTF-16 offsets into the source.
 * A lexical problem becomes an `error` token so the parser reports whichever problem comes first in the text.
 */
export type Token = { readonly position: number; readonly text: string } & (
  | { readonly kind: 'operand'; readonly operand: Operand }
  | { readonly kind: 'operator'; readonly operator: ComparisonOperator }
  | { readonly kind: 'and' | 'or' | 'lparen' | 'rparen' | 'end' }
  /** A character that starts no token; the parser says what it expected instead. */
  | { readonly kind: 'invalid' }
  | { readonly kind: 'error'; readonly error: FilterSyntaxError }
);

/** Bare words: letters, digits and `_ . - + @ / :` (so `UK`, `2026-01-01`, `a@b.com`, `1e+21`, `customFields.tier`). */
export const BARE_WORD = /^[\p{L}\p{M}\p{N}_.\-+@/:]+$/u;
const WORD_AT = /[\p{L}\p{M}\p{N}_.\-+@/:]+/uy;
const SPACE_AT = /\s+/uy;
/** A number literal; the same form counts as a "numeric string" when comparing. */
export const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Reserved words, in any letter case. Quote them to use them as strings. */
const KEYWORDS: Readonly<Record<string, 'and' | 'or' | Operand>> = {
  and: 'and',
  or: 'or',
  null: { kind: 'literal', value: null },
  true: { kind: 'literal', value: true },
  false: { kind: 'literal', value: false },
};

export function isReservedWord(word: string): boolean {
  return Object.hasOwn(KEYWORDS, word.toLowerCase());
}

const VARIABLE_ROOTS: readonly string[] = [...SCALAR_VARIABLES, ...OBJECT_VARIABLES];

/** True when a bare word would be read as a variable rather than a string. */
export function isVariableWord(word: string): boolean {
  return VARIABLE_ROOTS.includes(word) || OBJECT_VARIABLES.some((root) => word.startsWith(`${root}.`));
}

const OPERATORS: readonly ComparisonOperator[] = ['==', '!=', '<=', '>=', '<', '>'];

export function syntaxError(position: number, found: string, expected: string): FilterSyntaxError {
  return { position, expected, message: `Unexpected ${found} at position ${position}: expected ${expected}` };
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    SPACE_AT.lastIndex = at;
    if (SPACE_AT.test(source)) {
      at = SPACE_AT.lastIndex;
      continue;
    }
    const token = tokenAt(source, at);
    tokens.push(token);
    if (token.kind === 'error') return tokens;
    at += token.text.length;
  }
  tokens.push({ kind: 'end', position: source.length, text: '' });
  return tokens;
}

function tokenAt(source: string, at: number): Token {
  const char = source[at] ?? '';
  if (char === '(') return { kind: 'lparen', position: at, text: char };
  if (char === ')') return { kind: 'rparen', position: at, text: char };
  if (char === '"') return stringAt(source, at);
  const operator = OPERATORS.find((op) => source.startsWith(op, at));
  if (operator) return { kind: 'operator', operator, position: at, text: operator };
  WORD_AT.lastIndex = at;
  const word = WORD_AT.exec(source)?.[0];
  if (word) return wordToken(word, at);
  const codePoint = source.codePointAt(at) ?? 0;
  return { kind: 'invalid', position: at, text: String.fromCodePoint(codePoint) };
}

function stringAt(source: string, start: number): Token {
  let value = '';
  let at = start + 1;
  while (at < source.length) {
    const char = source[at];
    if (char === '"') {
      return {
        kind: 'operand',
        operand: { kind: 'literal', value },
        position: start,
        text: source.slice(start, at + 1),
      };
    }
    if (char === '\\') {
      const next = source[at + 1];
      if (next !== '"' && next !== '\\') {
        const found = next === undefined ? 'end of input' : JSON.stringify(`\\${next}`);
        return errorToken(start, syntaxError(at, found, 'an escape \\" or \\\\ inside a string'));
      }
      value += next;
      at += 2;
      continue;
    }
    value += char;
    at += 1;
  }
  return errorToken(
    start,
    syntaxError(source.length, 'end of input', `a closing " for the string that starts at position ${start}`),
  );
}

function wordToken(word: string, at: number): Token {
  // Own keys only: a word such as "__proto__" or "constructor" is a string, not something inherited.
  const keyword = isReservedWord(word) ? KEYWORDS[word.toLowerCase()] : undefined;
  if (keyword === 'and' || keyword === 'or') return { kind: keyword, position: at, text: word };
  if (keyword) return { kind: 'operand', operand: keyword, position: at, text: word };
  if (NUMBER.test(word)) {
    const value = Number(word);
    if (!Number.isFinite(value))
      return errorToken(at, syntaxError(at, JSON.stringify(word), 'a finite number'));
    return {
      kind: 'operand',
      operand: { kind: 'literal', value: value === 0 ? 0 : value },
      position: at,
      text: word,
    };
  }
  const variable = variableOf(word);
  if (variable === 'missing-field') {
    return errorToken(at, syntaxError(at, JSON.stringify(word), `a field name after "${word}"`));
  }
  return { kind: 'operand', operand: variable ?? { kind: 'literal', value: word }, position: at, text: word };
}

function variableOf(word: string): Operand | 'missing-field' | undefined {
  for (const root of SCALAR_VARIABLES) if (word === root) return { kind: 'variable', root, field: null };
  for (const root of OBJECT_VARIABLES) {
    if (word === root) return { kind: 'variable', root, field: null };
    if (word.startsWith(`${root}.`)) {
      const field = word.slice(root.length + 1);
      return field === '' ? 'missing-field' : { kind: 'variable', root, field };
    }
  }
  return undefined;
}

function errorToken(position: number, error: FilterSyntaxError): Token {
  return { kind: 'error', position, text: '', error };
}
