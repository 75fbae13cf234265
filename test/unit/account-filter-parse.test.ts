import assert from 'node:assert/strict';
import {
  MAX_FILTER_LENGTH,
  MAX_NESTING_DEPTH,
  parseAccountFilter,
  type FilterExpression,
  type FilterSyntaxError,
} from '../../src/domain/account-filter';

function parsed(source: string): FilterExpression {
  const result = parseAccountFilter(source);
  if (!result.ok) assert.fail(`expected ${JSON.stringify(source)} to parse: ${result.error.message}`);
  return result.expression;
}

function failure(source: string): FilterSyntaxError {
  const result = parseAccountFilter(source);
  if (result.ok) assert.fail(`expected ${JSON.stringify(source)} not to parse`);
  return result.error;
}

const country = (value: string) => ({
  kind: 'comparison',
  operator: '==',
  left: { kind: 'variable', root: 'address', field: 'country' },
  right: { kind: 'literal', value },
});

describe('account filter: parsing', () => {
  it("parses m3ter's documented examples", () => {
    assert.deepEqual(parsed('address.country == US'), country('US'));
    assert.deepEqual(parsed('address.country == UK'), country('UK'));
    assert.deepEqual(parsed('customFields != null AND customFields.country == UK'), {
      kind: 'and',
      operands: [
        {
          kind: 'comparison',
          operator: '!=',
          left: { kind: 'variable', root: 'customFields', field: null },
          right: { kind: 'literal', value: null },
        },
        {
          kind: 'comparison',
          operator: '==',
          left: { kind: 'variable', root: 'customFields', field: 'country' },
          right: { kind: 'literal', value: 'UK' },
        },
      ],
    });
  });

  it('reads every variable, with accountName/accountCode kept as written', () => {
    for (const root of ['id', 'accountName', 'accountCode', 'currency', 'address', 'customFields'] as const) {
      assert.deepEqual(parsed(`${root} == x`), {
        kind: 'comparison',
        operator: '==',
        left: { kind: 'variable', root, field: null },
        right: { kind: 'literal', value: 'x' },
      });
    }
    assert.deepEqual(parsed('customFields.cost-centre == 7'), {
      kind: 'comparison',
      operator: '==',
      left: { kind: 'variable', root: 'customFields', field: 'cost-centre' },
      right: { kind: 'literal', value: 7 },
    });
  });

  it('reads literals: numbers, quoted strings with escapes, bare words, null, true, false', () => {
    const right = (source: string) => {
      const expression = parsed(`id == ${source}`);
      assert.equal(expression.kind, 'comparison');
      return expression.kind === 'comparison' ? expression.right : undefined;
    };
    assert.deepEqual(right('42'), { kind: 'literal', value: 42 });
    assert.deepEqual(right('-12.5'), { kind: 'literal', value: -12.5 });
    assert.deepEqual(right('1e3'), { kind: 'literal', value: 1000 });
    assert.deepEqual(right('-0'), { kind: 'literal', value: 0 });
    assert.deepEqual(right('"Acme \\"Widgets\\" \\\\ Ltd"'), {
      kind: 'literal',
      value: 'Acme "Widgets" \\ Ltd',
    });
    assert.deepEqual(right('""'), { kind: 'literal', value: '' });
    assert.deepEqual(right('"AND"'), { kind: 'literal', value: 'AND' });
    assert.deepEqual(right('"accountName"'), { kind: 'literal', value: 'accountName' });
    assert.deepEqual(right('2026-01-31'), { kind: 'literal', value: '2026-01-31' });
    assert.deepEqual(right('ap@globex.example'), { kind: 'literal', value: 'ap@globex.example' });
    assert.deepEqual(right('Zürich'), { kind: 'literal', value: 'Zürich' });
    assert.deepEqual(right('null'), { kind: 'literal', value: null });
    assert.deepEqual(right('NULL'), { kind: 'literal', value: null });
    assert.deepEqual(right('true'), { kind: 'literal', value: true });
    assert.deepEqual(right('False'), { kind: 'literal', value: false });
    // Words that name Object.prototype's own properties are plain strings too.
    for (const word of ['__proto__', 'constructor', 'toString', 'hasOwnProperty'])
      assert.deepEqual(right(word), { kind: 'literal', value: word });
  });

  it('gives AND precedence over OR', () => {
    const a = parsed('id == a OR id == b AND id == c');
    assert.equal(a.kind, 'or');
    assert.equal(a.kind === 'or' && a.operands[1]?.kind, 'and');
    const b = parsed('id == a AND id == b OR id == c');
    assert.equal(b.kind, 'or');
    assert.equal(b.kind === 'or' && b.operands[0]?.kind, 'and');
  });

  it('groups with parentheses and keeps long chains flat', () => {
    const grouped = parsed('(id == a OR id == b) AND id == c');
    assert.equal(grouped.kind, 'and');
    assert.equal(grouped.kind === 'and' && grouped.operands[0]?.kind, 'or');
    assert.deepEqual(parsed('((((id == a))))'), parsed('id == a'));
    const chain = parsed(Array.from({ length: 200 }, (_, i) => `id == a${i}`).join(' AND '));
    assert.equal(chain.kind === 'and' && chain.operands.length, 200);
  });

  it('accepts AND/OR in any letter case and needs no spaces around symbols', () => {
    assert.deepEqual(parsed('id == a and id == b or id == c'), parsed('id == a AND id == b OR id == c'));
    assert.deepEqual(
      parsed('(address.country==UK)Or(currency!=GBP)'),
      parsed('address.country == UK OR currency != GBP'),
    );
  });

  it('accepts a literal on the left', () => {
    assert.deepEqual(parsed('US == address.country'), {
      kind: 'comparison',
      operator: '==',
      left: { kind: 'literal', value: 'US' },
      right: { kind: 'variable', root: 'address', field: 'country' },
    });
  });

  describe('syntax errors (position is a 0-based offset)', () => {
    const cases: Array<[string, string, number, string, string]> = [
      [
        'empty filter',
        '',
        0,
        'a value or "("',
        'Unexpected end of input at position 0: expected a value or "("',
      ],
      [
        'blank filter',
        '   ',
        3,
        'a value or "("',
        'Unexpected end of input at position 3: expected a value or "("',
      ],
      [
        'missing right operand',
        'accountName == )',
        15,
        'a value',
        'Unexpected ")" at position 15: expected a value',
      ],
      [
        'missing operator',
        'accountName UK',
        12,
        'a comparison operator (==, !=, <, <=, >, >=)',
        'Unexpected "UK" at position 12: expected a comparison operator (==, !=, <, <=, >, >=)',
      ],
      [
        'single =',
        'accountName = UK',
        12,
        'a comparison operator (==, !=, <, <=, >, >=)',
        'Unexpected "=" at position 12: expected a comparison operator (==, !=, <, <=, >, >=)',
      ],
      [
        'chained comparison',
        'id == a == b',
        8,
        'AND, OR or end of input',
        'Unexpected "==" at position 8: expected AND, OR or end of input',
      ],
      [
        'stray )',
        'id == a)',
        7,
        'AND, OR or end of input',
        'Unexpected ")" at position 7: expected AND, OR or end of input',
      ],
      [
        'unclosed (',
        '(id == a',
        8,
        'AND, OR or ")"',
        'Unexpected end of input at position 8: expected AND, OR or ")"',
      ],
      [
        'dangling AND',
        'id == a AND',
        11,
        'a value or "("',
        'Unexpected end of input at position 11: expected a value or "("',
      ],
      ['AND as a value', 'id == AND', 6, 'a value', 'Unexpected "AND" at position 6: expected a value'],
      ['empty group', '()', 1, 'a value or "("', 'Unexpected ")" at position 1: expected a value or "("'],
      [
        'single quotes',
        "accountName == 'Acme'",
        15,
        'a value',
        `Unexpected "'" at position 15: expected a value`,
      ],
      [
        '&&',
        'id == a && id == b',
        8,
        'AND, OR or end of input',
        'Unexpected "&" at position 8: expected AND, OR or end of input',
      ],
      [
        'unterminated string',
        'accountName == "Acme',
        20,
        'a closing " for the string that starts at position 15',
        'Unexpected end of input at position 20: expected a closing " for the string that starts at position 15',
      ],
      [
        'unknown escape',
        'accountName == "a\\nb"',
        17,
        'an escape \\" or \\\\ inside a string',
        'Unexpected "\\\\n" at position 17: expected an escape \\" or \\\\ inside a string',
      ],
      [
        'number out of range',
        'customFields.tier > 1e999',
        20,
        'a finite number',
        'Unexpected "1e999" at position 20: expected a finite number',
      ],
      [
        'missing field name',
        'customFields. == 1',
        0,
        'a field name after "customFields."',
        'Unexpected "customFields." at position 0: expected a field name after "customFields."',
      ],
      [
        'string where operator expected',
        'id "a"',
        3,
        'a comparison operator (==, !=, <, <=, >, >=)',
        'Unexpected string "a" at position 3: expected a comparison operator (==, !=, <, <=, >, >=)',
      ],
    ];
    for (const [name, source, position, expected, message] of cases) {
      it(`${name}: ${JSON.stringify(source)}`, () => {
        assert.deepEqual(failure(source), { position, expected, message });
      });
    }

    it('reports the first problem in the text, even when a later one is lexical', () => {
      assert.equal(failure(') == "never closed').position, 0);
      assert.equal(failure('id == a b "never closed').position, 8);
    });

    it('limits nesting depth without overflowing the stack', () => {
      const ok = `${'('.repeat(MAX_NESTING_DEPTH)}id == a${')'.repeat(MAX_NESTING_DEPTH)}`;
      assert.ok(parseAccountFilter(ok).ok);
      const deep = `${'('.repeat(MAX_NESTING_DEPTH + 1)}id == a${')'.repeat(MAX_NESTING_DEPTH + 1)}`;
      assert.deepEqual(failure(deep), {
        position: MAX_NESTING_DEPTH,
        expected: `at most ${MAX_NESTING_DEPTH} nested parentheses`,
        message: `Too deeply nested "(" at position ${MAX_NESTING_DEPTH}: expected at most ${MAX_NESTING_DEPTH} nested parentheses`,
      });
      assert.equal(failure('('.repeat(MAX_FILTER_LENGTH)).position, MAX_NESTING_DEPTH);
    });

    it('limits the length', () => {
      const long = `id == "${'x'.repeat(MAX_FILTER_LENGTH)}"`;
      assert.deepEqual(failure(long), {
        position: MAX_FILTER_LENGTH,
        expected: `at most ${MAX_FILTER_LENGTH} characters`,
        message: `Filter is too long at position ${MAX_FILTER_LENGTH}: ${long.length} characters, expected at most ${MAX_FILTER_LENGTH} characters`,
      });
      const exact = `id == "${'x'.repeat(MAX_FILTER_LENGTH - 8)}"`;
      assert.equal(exact.length, MAX_FILTER_LENGTH);
      assert.ok(parseAccountFilter(exact).ok);
    });

    it('rejects a non-string source instead of throwing', () => {
      const result = parseAccountFilter(42 as unknown as string);
      assert.equal(result.ok, false);
    });
  });
});
