/**
 * The account filter language of spec §6 (m3ter's syntax), e.g.
 *   customFields != null AND customFields.country == UK
 *
 * - Variables: id, accountName (Account.name), accountCode (Account.code), currency, address, address.<field>,
 *   customFields, customFields.<name>. Variable names are case-sensitive; a missing field is null.
 * - Operators: == != < <= > >=, AND, OR (AND binds tighter), parentheses. AND/OR are accepted in any letter
 *   case (`and`, `Or`); like null/true/false they are reserved words — quote them to mean the string.
 * - Literals: numbers (-12.5, 1e3), "double-quoted" strings with \" and \\ escapes, bare words read as strings
 *   (UK, 2026-01-01, a@b.com), null, true, false.
 * - Every comparison needs an operator: a bare value is not a condition.
 * - parseAccountFilter never throws (syntax errors carry a 0-based position); evaluateAccountFilter never throws.
 */
export type {
  ComparisonNode,
  ComparisonOperator,
  FilterExpression,
  FilterSyntaxError,
  LiteralOperand,
  LiteralValue,
  LogicalNode,
  Operand,
  ParseResult,
  VariableOperand,
  VariableRoot,
} from './ast';
export { COMPARISON_OPERATORS, OBJECT_VARIABLES, SCALAR_VARIABLES } from './ast';
export { MAX_FILTER_LENGTH, MAX_NESTING_DEPTH, parseAccountFilter } from './parser';
export { evaluateAccountFilter } from './evaluator';
export { printAccountFilter } from './printer';
