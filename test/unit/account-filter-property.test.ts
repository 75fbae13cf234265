import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  COMPARISON_OPERATORS,
  MAX_FILTER_LENGTH,
  OBJECT_VARIABLES,
  SCALAR_VARIABLES,
  evaluateAccountFilter,
  parseAccountFilter,
  printAccountFilter,
  type FilterExpression,
  type Operand,
} from '../../src/domain/account-filter';
import type { Account } from '../../src/domain/m3ter';
import { bareAccount, ukAccount, usAccount } from './support/accounts';

const fieldName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,12}$/);

const operand: fc.Arbitrary<Operand> = fc.oneof(
  fc.constantFrom(...SCALAR_VARIABLES).map((root): Operand => ({ kind: 'variable', root, field: null })),
  fc
    .tuple(fc.constantFrom(...OBJECT_VARIABLES), fc.option(fieldName, { nil: null }))
    .map(([root, field]): Operand => ({ kind: 'variable', root, field })),
  fc
    .oneof(
      fc.constant(null),
      fc.boolean(),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (n === 0 ? 0 : n)),
      fc.integer(),
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('UK', 'US', 'and', 'OR', 'Null', 'accountName', 'address.country', '42', '-1e3', 'a b'),
    )
    .map((value): Operand => ({ kind: 'literal', value })),
);

const expression: fc.Arbitrary<FilterExpression> = fc.letrec<{ node: FilterExpression }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .tuple(operand, fc.constantFrom(...COMPARISON_OPERATORS), operand)
      .map(([left, operator, right]): FilterExpression => ({ kind: 'comparison', operator, left, right })),
    fc
      .tuple(
        fc.constantFrom('and' as const, 'or' as const),
        fc.array(tie('node'), { minLength: 2, maxLength: 4 }),
      )
      .map(([kind, operands]): FilterExpression => ({ kind, operands })),
  ),
})).node;

const accountArb: fc.Arbitrary<Account> = fc.record({
  id: fc.string({ minLength: 1 }),
  name: fc.string({ minLength: 1 }),
  code: fc.option(fc.string(), { nil: undefined }),
  currency: fc.option(fc.constantFrom('USD', 'GBP', 'JPY'), { nil: null }),
  address: fc.option(fc.dictionary(fieldName, fc.option(fc.string(), { nil: null })), { nil: undefined }),
  customFields: fc.option(
    fc.dictionary(
      fieldName,
      fc.oneof(
        fc.string(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.constantFrom('42', ' 7 ', 'true'),
      ),
    ),
    { nil: null },
  ),
});

const accounts = [ukAccount, usAccount, bareAccount];

/** A reasonably sized input that only rarely parses: fragments of the language glued at random. */
const tokenSoup = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '(',
        ')',
        '==',
        '!=',
        '<',
        '<=',
        '>',
        '>=',
        '=',
        '!',
        'AND',
        'or',
        'Or',
        'null',
        'true',
        'false',
      ),
      fc.constantFrom(
        '"',
        '\\',
        '\\"',
        '"x"',
        'customFields.',
        'customFields.country',
        'address.country',
        'id',
        'accountName',
      ),
      fc.constantFrom(
        ' ',
        '  ',
        '\n',
        '\t',
        '1e999',
        '-0',
        '3.14',
        'UK',
        'US',
        "'",
        '&&',
        '||',
        '\u0000',
        '😀',
        '\uD800',
      ),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 60 },
  )
  .chain((parts) => fc.constantFrom(parts.join(''), parts.join(' ')));

function assertWellFormedOutcome(source: string): void {
  const started = performance.now();
  const result = parseAccountFilter(source);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 250, `parse took ${elapsed} ms`);
  if (result.ok) {
    for (const account of accounts)
      assert.equal(typeof evaluateAccountFilter(result.expression, account), 'boolean');
    return;
  }
  const { position, expected, message } = result.error;
  assert.ok(Number.isInteger(position) && position >= 0, `position ${position}`);
  assert.ok(
    position <= Math.min(source.length, MAX_FILTER_LENGTH),
    `position ${position} beyond ${source.length}`,
  );
  assert.ok(expected.length > 0);
  assert.ok(message.includes(`position ${position}`), message);
}

describe('account filter: properties', () => {
  it('round-trips random syntax trees through the printer', () => {
    fc.assert(
      fc.property(expression, (tree) => {
        const source = printAccountFilter(tree);
        const result = parseAccountFilter(source);
        if (!result.ok) {
          assert.ok(source.length > MAX_FILTER_LENGTH, `${result.error.message} in ${source}`);
          return;
        }
        assert.deepStrictEqual(result.expression, tree, source);
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws on random strings, and errors point inside the source', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), assertWellFormedOutcome), {
      numRuns: 2000,
    });
    fc.assert(fc.property(fc.string({ maxLength: 300 }), assertWellFormedOutcome), { numRuns: 2000 });
  });

  it('fuzz: thousands of token soups parse or fail cleanly, and evaluation of what parses never throws', () => {
    fc.assert(fc.property(tokenSoup, assertWellFormedOutcome), { numRuns: 5000 });
  });

  it('fuzz: thousands of small mutations of valid filters parse or fail cleanly', () => {
    const mutation = fc.record({
      at: fc.nat(),
      cut: fc.integer({ min: 0, max: 3 }),
      insert: fc.oneof(
        fc.constantFrom('', '(', ')', '"', '\\', '=', ' AND ', ' or ', '.', '-', 'e'),
        fc.string({ maxLength: 2 }),
      ),
    });
    fc.assert(
      fc.property(expression, fc.array(mutation, { minLength: 1, maxLength: 3 }), (tree, mutations) => {
        let source = printAccountFilter(tree);
        for (const { at, cut, insert } of mutations) {
          const index = source.length === 0 ? 0 : at % (source.length + 1);
          source = source.slice(0, index) + insert + source.slice(index + cut);
        }
        assertWellFormedOutcome(source);
      }),
      { numRuns: 5000 },
    );
  });

  it('fuzz: deep nesting and huge inputs are bounded', () => {
    const inputs = [
      '('.repeat(100_000),
      ')'.repeat(100_000),
      `${'('.repeat(5000)}id == a${')'.repeat(5000)}`,
      Array.from({ length: 400 }, (_, i) => `id == v${i}`)
        .join(' OR ')
        .slice(0, MAX_FILTER_LENGTH),
      `"${'\\"'.repeat(1990)}"`,
      'x'.repeat(1_000_000),
      '"'.repeat(MAX_FILTER_LENGTH),
      `id == ${'9'.repeat(400)}`,
    ];
    for (const source of inputs) assertWellFormedOutcome(source);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 200 }), (open, close) => {
        assertWellFormedOutcome(`${'('.repeat(open)}id == a${')'.repeat(close)}`);
      }),
      { numRuns: 500 },
    );
  });

  it('evaluation never throws and follows AND/OR semantics on random trees and accounts', () => {
    fc.assert(
      fc.property(expression, accountArb, (tree, account) => {
        const value = evaluateAccountFilter(tree, account);
        assert.equal(typeof value, 'boolean');
        if (tree.kind === 'and')
          assert.equal(
            value,
            tree.operands.every((o) => evaluateAccountFilter(o, account)),
          );
        if (tree.kind === 'or')
          assert.equal(
            value,
            tree.operands.some((o) => evaluateAccountFilter(o, account)),
          );
      }),
      { numRuns: 1000 },
    );
  });

  it('!= is the negation of ==, and AND binds tighter than OR', () => {
    fc.assert(
      fc.property(operand, operand, accountArb, (left, right, account) => {
        const eq = evaluateAccountFilter({ kind: 'comparison', operator: '==', left, right }, account);
        const ne = evaluateAccountFilter({ kind: 'comparison', operator: '!=', left, right }, account);
        assert.equal(ne, !eq);
      }),
      { numRuns: 1000 },
    );
    const truth = (b: boolean) => (b ? '1 == 1' : '1 == 2');
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.boolean(), (x, y, z) => {
        const result = parseAccountFilter(`${truth(x)} OR ${truth(y)} AND ${truth(z)}`);
        assert.ok(result.ok);
        assert.equal(evaluateAccountFilter(result.expression, ukAccount), x || (y && z));
      }),
    );
  });
});
