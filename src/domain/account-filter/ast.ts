/**
 * The syntax tree of an account filter (spec §6). Plain data: it can cross a Temporal payload boundary.
 * Logical nodes are n-ary so long `a AND b AND c …` chains stay shallow (depth grows only with parentheses).
 */

export const COMPARISON_OPERATORS = ['==', '!=', '<', '<=', '>', '>='] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

/** Variables that read a scalar Account field (`accountName` → `name`, `accountCode` → `code`). */
export const SCALAR_VARIABLES = ['id', 'accountName', 'accountCode', 'currency'] as const;
/** Variables that read an object field; `root.<name>` reads one key of it. */
export const OBJECT_VARIABLES = ['address', 'customFields'] as const;

export type VariableRoot = (typeof SCALAR_VARIABLES)[number] | (typeof OBJECT_VARIABLES)[number];

export interface VariableOperand {
  readonly kind: 'variable';
  readonly root: VariableRoot;
  /** The key after `address.` / `customFields.`; null for the variable itself. */
  readonly field: string | null;
}

export type LiteralValue = string | number | boolean | null;

export interface LiteralOperand {
  readonly kind: 'literal';
  readonly value: LiteralValue;
}

export type Operand = VariableOperand | LiteralOperand;

export interface ComparisonNode {
  readonly kind: 'comparison';
  readonly operator: ComparisonOperator;
  readonly left: Operand;
  readonly right: Operand;
}

export interface LogicalNode {
  readonly kind: 'and' | 'or';
  /** Two or more. */
  readonly operands: readonly FilterExpression[];
}

export type FilterExpression = ComparisonNode | LogicalNode;

export interface FilterSyntaxError {
  /** 0-based character offset in the source where the problem was found. */
  position: number;
  /** What the parser expected there, e.g. `a comparison operator (==, !=, <, <=, >, >=)`. */
  expected: string;
  /** A full sentence for humans, naming the position and what was found. */
  message: string;
}

export type ParseResult =
  { ok: true; expression: FilterExpression } | { ok: false; error: FilterSyntaxError };
