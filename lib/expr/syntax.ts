// mathjs's parser says what is wrong in English only. The reasons it gives for what people
// mistype get a code of their own, so the editor can say them in its language; any other reason
// (or one a later mathjs words differently) keeps the generic code with mathjs's text.
import { exprProblem, type ExprErrorCode, type ExprProblem } from './errors';

type Args = Record<string, string>;

const KNOWN: Array<[ExprErrorCode, RegExp, (m: RegExpExecArray) => Args]> = [
  ['syntaxEnd', /^Unexpected end of expression$/, () => ({})],
  ['syntaxValueExpected', /^Value expected$/, () => ({})],
  ['syntaxBracketExpected', /^Parenthesis ([)\]]) expected$/, (m) => ({ bracket: m[1] })],
  ['syntaxUnexpectedOperator', /^Unexpected operator (.+)$/, (m) => ({ operator: m[1] })],
  ['syntaxUnexpectedPart', /^Unexpected part "(.*)"$/, (m) => ({ part: m[1] })],
  ['syntaxInPart', /^Syntax error in part "(.*)"$/, (m) => ({ part: m[1] })],
  ['syntaxDigitExpected', /^Digit expected, got "(.*)"$/, (m) => ({ got: m[1] })],
  ['syntaxStringEnd', /^End of string (.) expected$/, (m) => ({ quote: m[1] })],
  ['syntaxMatrixEnd', /^End of matrix \] expected$/, () => ({})],
  ['syntaxFalsePart', /^False part of conditional expression expected$/, () => ({})],
  ['syntaxEmptyTruePart', /^The true-expression of a conditional operator may not be empty$/, () => ({})],
  ['syntaxAssignment', /^Invalid left hand side of assignment operator =$/, () => ({})],
  ['syntaxPropertyName', /^Property name expected after dot$/, () => ({})],
];

/** The problem of a parse error's reason (mathjs's message without its "(char n)"). */
export function syntaxProblem(reason: string): ExprProblem {
  const generic = exprProblem('syntax', { reason });
  for (const [code, pattern, args] of KNOWN) {
    const m = pattern.exec(reason);
    if (!m) continue;
    const known = exprProblem(code, args(m));
    // the English text is mathjs's own, whatever the code
    if (known.reason === generic.reason) return known;
  }
  return generic;
}
