import type { Account } from '../m3ter';
import type { ComparisonOperator, FilterExpression, Operand, VariableOperand } from './ast';
import { NUMBER } from './lexer';

/**
 * Evaluates a parsed filter against an Account. Never throws; a missing field is null.
 * Comparison rules:
 * - `==`/`!=` with null: true only when both sides are null (resp. not both).
 * - numbers compare numerically, also against a numeric string (`"42" == 42`).
 * - strings compare exactly (case-sensitive); ordering of two strings is by UTF-16 code units.
 * - booleans equal booleans, or the strings "true"/"false" in any case.
 * - ordering (`<`, `<=`, `>`, `>=`) involving null, booleans, objects or a non-numeric string vs a number is false.
 * - `!=` is always the negation of `==`.
 */
export function evaluateAccountFilter(expression: FilterExpression, account: Account): boolean {
  try {
    return evaluate(expression, account);
  } catch {
    // Only reachable with malformed input (not produced by the parser) or hostile objects: exclude the account.
    return false;
  }
}

function evaluate(expression: FilterExpression, account: Account): boolean {
  switch (expression.kind) {
    case 'and':
      return expression.operands.every((operand) => evaluate(operand, account));
    case 'or':
      return expression.operands.some((operand) => evaluate(operand, account));
    case 'comparison':
      return compare(
        valueOf(expression.left, account),
        expression.operator,
        valueOf(expression.right, account),
      );
    default:
      return false;
  }
}

function valueOf(operand: Operand, account: Account): unknown {
  return operand.kind === 'literal' ? operand.value : readVariable(operand, account);
}

function readVariable(variable: VariableOperand, account: Account): unknown {
  switch (variable.root) {
    case 'id':
      return scalar(account.id);
    case 'accountName':
      return scalar(account.name);
    case 'accountCode':
      return scalar(account.code);
    case 'currency':
      return scalar(account.currency);
    case 'address':
      return member(account.address, variable.field);
    case 'customFields':
      return member(account.customFields, variable.field);
    default:
      return null;
  }
}

function member(container: unknown, field: string | null): unknown {
  if (container === null || typeof container !== 'object') return null;
  if (field === null) return container;
  // Own keys only, so `customFields.constructor` is null rather than a prototype member.
  return Object.hasOwn(container, field) ? scalar((container as Record<string, unknown>)[field]) : null;
}

function scalar(value: unknown): unknown {
  return value === undefined ? null : value;
}

export function compare(left: unknown, operator: ComparisonOperator, right: unknown): boolean {
  switch (operator) {
    case '==':
      return equals(left, right);
    case '!=':
      return !equals(left, right);
    default:
      return ordered(left, operator, right);
  }
}

function equals(a: unknown, b: unknown): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a === 'string' && typeof b === 'number') return numericString(a) === b;
  if (typeof a === 'number' && typeof b === 'string') return a === numericString(b);
  if (typeof a === 'boolean' && typeof b === 'string') return String(a) === b.toLowerCase();
  if (typeof a === 'string' && typeof b === 'boolean') return a.toLowerCase() === String(b);
  return typeof a === typeof b && a === b;
}

function ordered(a: unknown, operator: '<' | '<=' | '>' | '>=', b: unknown): boolean {
  const pair = orderable(a, b);
  if (!pair) return false;
  const [x, y] = pair;
  switch (operator) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
  }
}

function orderable(a: unknown, b: unknown): [number, number] | [string, string] | null {
  if (typeof a === 'string' && typeof b === 'string') return [a, b];
  const x = asNumber(a);
  const y = asNumber(b);
  return x === null || y === null ? null : [x, y];
}

function asNumber(value: unknown): number | null {
  if (typeof value === 'number') return value;
  return typeof value === 'string' ? numericString(value) : null;
}

/** The number a string spells (same form as a number literal, surrounding blanks ignored), else null. */
function numericString(text: string): number | null {
  const trimmed = text.trim();
  if (!NUMBER.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}
