import type { FilterExpression, Operand } from './ast';
import { BARE_WORD, NUMBER, isReservedWord, isVariableWord } from './lexer';

/**
 * Prints a filter back to source that parses to the same tree: keywords upper-case, strings bare when
 * that reads back as the same string, nested logical groups always parenthesised.
 */
export function printAccountFilter(expression: FilterExpression): string {
  if (expression.kind === 'comparison') {
    return `${printOperand(expression.left)} ${expression.operator} ${printOperand(expression.right)}`;
  }
  const keyword = expression.kind === 'and' ? ' AND ' : ' OR ';
  return expression.operands
    .map((operand) =>
      operand.kind === 'comparison' ? printAccountFilter(operand) : `(${printAccountFilter(operand)})`,
    )
    .join(keyword);
}

function printOperand(operand: Operand): string {
  if (operand.kind === 'variable')
    return operand.field === null ? operand.root : `${operand.root}.${operand.field}`;
  const { value } = operand;
  if (typeof value !== 'string') return String(value);
  const bare =
    BARE_WORD.test(value) && !NUMBER.test(value) && !isReservedWord(value) && !isVariableWord(value);
  return bare ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}
