// Errors of the expression engine carry where: the definition's line (1-based, in the node's
// definitions text), the column (1-based) and, when there is one, the offending symbol.

export class ExprError extends Error {
  constructor(
    /** the reason alone, without the place */
    readonly reason: string,
    readonly line: number,
    readonly column: number,
    readonly symbol?: string,
  ) {
    super(`line ${line}, column ${column}: ${reason}`);
    this.name = 'ExprError';
  }
}
