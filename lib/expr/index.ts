export { ExprError, EXPR_ERROR_CODES, exprProblem, type ExprErrorCode, type ExprProblem } from './errors';
export { compileDefinitions, MAX_EXPRESSION_LENGTH, type CalcProgram, type Definition } from './definitions';
export { CalcEngine, type CalcEngineOptions, type MissingInput } from './engine';
export { evaluateExpression, type ExpressionResult } from './single';
export { ALLOWED_FUNCTIONS, ALLOWED_OPERATORS, ALLOWED_CONSTANTS } from './sandbox';
export { checkDefinitions, type CalcCheckOptions, type CalcCheckResult } from './check';
