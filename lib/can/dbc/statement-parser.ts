// The DBC grammar, statement by statement. It only collects (see statements.ts); resolving
// names, ids and attributes is the resolver's job, so statements may come in any order.
import { isSkippedKeyword, SKIPPED_KEYWORDS } from './keywords';
import { emptyStatements, type DbcStatements, type DbcTarget, type RawAttributeDefinition, type RawMessage } from './statements';
import { DbcTokenCursor } from './token-cursor';
import { type Token, TokenKind, excerpt } from './tokenizer';
import type { DbcObjectType } from './types';

/** Words that end the NS_ list: they cannot be NS_ entries. */
const NS_TERMINATORS = new Set(['VERSION', 'NS_', 'BS_', 'BU_', 'BO_', 'SG_', 'EV_']);

const MUX_INDICATOR = /^(?:(M)|m(\d+)(M?))$/;

const OBJECT_TYPES: Record<string, DbcObjectType> = { BU_: 'node', BO_: 'message', SG_: 'signal', EV_: 'envvar' };

export class DbcStatementParser extends DbcTokenCursor {
  private readonly out: DbcStatements = emptyStatements();
  private current: RawMessage | null = null;
  private readonly skippedCounts = new Map<string, { count: number; line: number }>();

  parse(): DbcStatements {
    for (;;) {
      const t = this.peek();
      if (t.kind === TokenKind.End) break;
      if (t.kind !== TokenKind.Word) throw this.error('expected a keyword at the start of a statement', t);
      if (t.text !== 'SG_') this.current = null;
      this.statement(t);
    }
    for (const [keyword, { count, line }] of this.skippedCounts) {
      this.warnings.push({ line, message: `${keyword} (${SKIPPED_KEYWORDS[keyword]}) not used: ${count} statement${count === 1 ? '' : 's'} skipped` });
    }
    return this.out;
  }

  private statement(t: Token): void {
    switch (t.text) {
      case 'VERSION':
        return this.version();
      case 'NS_':
        return this.newSymbols();
      case 'BS_':
        return this.busTiming();
      case 'BU_':
        return this.nodes();
      case 'BO_':
        return this.message();
      case 'SG_':
        return this.signal();
      case 'CM_':
        return this.comment();
      case 'BA_DEF_':
        return this.attributeDefinition();
      case 'BA_DEF_DEF_':
        return this.attributeDefault();
      case 'BA_':
        return this.attributeValue();
      case 'VAL_':
        return this.valueDescription();
      case 'VAL_TABLE_':
        return this.valueTable();
      case 'SIG_VALTYPE_':
        return this.signalValueType();
      case 'SG_MUL_VAL_':
        return this.multiplexerValues();
      case 'BO_TX_BU_':
        return this.transmitters();
      case 'SIG_GROUP_':
        return this.signalGroup();
    }
    if (isSkippedKeyword(t.text)) {
      const seen = this.skippedCounts.get(t.text);
      if (seen) seen.count++;
      else this.skippedCounts.set(t.text, { count: 1, line: t.line });
    } else {
      this.warnings.push({ line: t.line, message: `unknown section "${excerpt(t.text)}" skipped` });
    }
    this.skipStatement();
  }

  /** A message id as written (bit 31 marks extended frames). */
  private messageId(context: string): number {
    return this.integer(`message id${context}`, 0, 0xffffffff);
  }

  private target(): DbcTarget {
    const t = this.peek();
    if (t.kind !== TokenKind.Word) return { kind: 'network' };
    switch (t.text) {
      case 'BU_':
        this.pos++;
        return { kind: 'node', name: this.word('a node name after BU_') };
      case 'BO_':
        this.pos++;
        return { kind: 'message', fileId: this.messageId(' after BO_') };
      case 'SG_': {
        this.pos++;
        const fileId = this.messageId(' after SG_');
        return { kind: 'signal', fileId, name: this.word('a signal name') };
      }
      case 'EV_':
        this.pos++;
        return { kind: 'envvar', name: this.word('an environment variable name after EV_') };
    }
    throw this.error('expected BU_, BO_, SG_ or EV_', t);
  }

  /** `value "label"` pairs up to the closing `;`. */
  private valuePairs(keyword: string): Map<number, string> {
    const table = new Map<number, string>();
    while (!this.isPunct(';') && !this.startsStatement(this.peek())) {
      const value = this.number(`a value in ${keyword}`);
      table.set(value, this.string(`the label of value ${value} in ${keyword}`));
    }
    this.end(keyword);
    return table;
  }

  // ---- statements ----------------------------------------------------------------------

  private version(): void {
    this.next();
    if (this.peek().kind === TokenKind.String) this.out.version = this.string('the version');
  }

  private newSymbols(): void {
    const ns = this.next();
    if (this.isPunct(':')) this.pos++;
    for (;;) {
      const t = this.peek();
      if (t.kind !== TokenKind.Word || NS_TERMINATORS.has(t.text)) break;
      // Entries stand alone on their line (or follow NS_ on its line); a word followed by more
      // on its line is the next statement.
      const after = this.peek(1);
      const alone = after.kind === TokenKind.End || after.lineStart;
      if (!alone && t.line !== ns.line) break;
      this.out.newSymbols.push(t.text);
      this.pos++;
    }
  }

  private busTiming(): void {
    this.next();
    if (this.isPunct(':')) this.pos++;
    if (!this.onSameLine() || this.peek().kind !== TokenKind.Number) return;
    const baudrate = this.integer('the baud rate in BS_');
    let btr1 = 0;
    let btr2 = 0;
    if (this.isPunct(':')) {
      this.pos++;
      btr1 = this.integer('BTR1 in BS_');
      this.punct(',', 'between BTR1 and BTR2 in BS_');
      btr2 = this.integer('BTR2 in BS_');
    }
    this.out.busTiming = { baudrate, btr1, btr2 };
  }

  private nodes(): void {
    this.next();
    if (this.isPunct(':')) this.pos++;
    // Usually one line, but some files list one node a line: words up to the next statement.
    for (;;) {
      const t = this.peek();
      if (t.kind === TokenKind.Punct && t.text === ',' && !t.lineStart) {
        this.pos++;
        continue;
      }
      if (this.startsStatement(t)) break;
      if (t.kind !== TokenKind.Word) {
        if (!t.lineStart) throw this.error('expected a node name in BU_', t);
        break;
      }
      this.pos++;
      this.out.nodes.push({ name: t.text, line: t.line });
    }
  }

  private message(): void {
    const bo = this.next();
    const fileId = this.messageId(' in BO_');
    const name = this.word('a message name after the id in BO_');
    this.punct(':', `after the message name ${name}`);
    const length = this.integer(`the length of message ${name}`, 0, 0xffff);
    const senders: string[] = [];
    while (this.onSameLine()) {
      const t = this.next();
      if (t.kind === TokenKind.Punct && t.text === ',') continue;
      if (t.kind !== TokenKind.Word) throw this.error(`expected the sender of message ${name}`, t);
      senders.push(t.text);
    }
    const message: RawMessage = { fileId, name, length, senders, signals: [], line: bo.line };
    this.out.messages.push(message);
    this.current = message;
  }

  private signal(): void {
    const sg = this.peek();
    if (!this.current) {
      this.warnings.push({ line: sg.line, message: 'SG_ outside a BO_ (after a skipped or unknown statement) skipped' });
      this.skipStatement();
      return;
    }
    this.next();
    const name = this.word('a signal name after SG_');
    let muxSwitch = false;
    let muxValue: number | undefined;
    if (this.peek().kind === TokenKind.Word) {
      const t = this.next();
      const m = MUX_INDICATOR.exec(t.text);
      if (t.text === 'm') {
        // Seen in the wild as a typo; neither switch nor switched, like the reference tools read it.
        this.warnings.push({ line: t.line, message: `signal "${name}" has multiplexer indicator "m" without a value; treated as a plain signal` });
      } else if (!m) throw this.error(`expected a multiplexer indicator (M, mN or mNM) or ":" after signal name ${name}`, t);
      muxSwitch = !!m && (m[1] === 'M' || m[3] === 'M');
      if (m && m[2] !== undefined) {
        muxValue = Number(m[2]);
        if (!Number.isSafeInteger(muxValue)) throw this.error(`multiplexer value of signal ${name} is too large`, t);
      }
    }
    this.punct(':', `after signal name ${name}`);
    const startBit = this.integer(`the start bit of signal ${name}`, 0, 0xffff);
    this.punct('|', `after the start bit of signal ${name}`);
    const length = this.integer(`the length of signal ${name}`, 0, 0xffff);
    this.punct('@', `after the length of signal ${name}`);
    const orderToken = this.next();
    if (orderToken.kind !== TokenKind.Number || (orderToken.text !== '0' && orderToken.text !== '1')) {
      throw this.error(`expected byte order 0 (Motorola) or 1 (Intel) after "@" in signal ${name}`, orderToken);
    }
    const signToken = this.next();
    if (signToken.kind !== TokenKind.Punct || (signToken.text !== '+' && signToken.text !== '-')) {
      throw this.error(`expected "+" (unsigned) or "-" (signed) after the byte order of signal ${name}`, signToken);
    }
    this.punct('(', `before the factor of signal ${name}`);
    const factor = this.number(`the factor of signal ${name}`);
    this.punct(',', `between the factor and offset of signal ${name}`);
    const offset = this.number(`the offset of signal ${name}`);
    this.punct(')', `after the offset of signal ${name}`);
    this.punct('[', `before the minimum of signal ${name}`);
    const min = this.number(`the minimum of signal ${name}`);
    this.punct('|', `between the minimum and maximum of signal ${name}`);
    const max = this.number(`the maximum of signal ${name}`);
    this.punct(']', `after the maximum of signal ${name}`);
    const unit = this.string(`the unit of signal ${name}`);
    const receivers: string[] = [];
    while (this.onSameLine()) {
      const t = this.next();
      if (t.kind === TokenKind.Punct && t.text === ',') continue;
      if (t.kind !== TokenKind.Word) throw this.error(`expected a receiver node of signal ${name}`, t);
      if (t.text !== 'Vector__XXX') receivers.push(t.text);
    }
    this.current.signals.push({
      name,
      muxSwitch,
      muxValue,
      startBit,
      length,
      byteOrder: orderToken.text === '1' ? 'little_endian' : 'big_endian',
      signed: signToken.text === '-',
      factor,
      offset,
      min,
      max,
      unit,
      receivers,
      line: sg.line,
    });
  }

  private comment(): void {
    const cm = this.next();
    const target = this.target();
    const text = this.string('the comment text');
    this.end('CM_');
    this.out.comments.push({ target, text, line: cm.line });
  }

  private attributeDefinition(): void {
    const ba = this.next();
    let objectType: DbcObjectType = 'network';
    const t = this.peek();
    if (t.kind === TokenKind.Word) {
      objectType = Object.prototype.hasOwnProperty.call(OBJECT_TYPES, t.text) ? OBJECT_TYPES[t.text] : (undefined as never);
      if (!objectType) throw this.error('expected BU_, BO_, SG_, EV_ or the attribute name in BA_DEF_', t);
      this.pos++;
    }
    const name = this.string('the attribute name in BA_DEF_');
    const typeToken = this.next();
    const def: RawAttributeDefinition = { objectType, name, type: 'STRING', line: ba.line };
    switch (typeToken.kind === TokenKind.Word ? typeToken.text : '') {
      case 'INT':
      case 'HEX':
      case 'FLOAT':
        def.type = typeToken.text as 'INT' | 'HEX' | 'FLOAT';
        def.min = this.number(`the minimum of attribute ${name}`);
        def.max = this.number(`the maximum of attribute ${name}`);
        break;
      case 'STRING':
        break;
      case 'ENUM':
        def.type = 'ENUM';
        def.enumValues = [];
        while (this.peek().kind === TokenKind.String || this.isPunct(',')) {
          const v = this.next();
          if (v.kind === TokenKind.String) def.enumValues.push(v.text);
        }
        break;
      default:
        throw this.error(`expected the type of attribute ${name} (INT, HEX, FLOAT, STRING or ENUM)`, typeToken);
    }
    this.end('BA_DEF_');
    this.out.attributeDefinitions.push(def);
  }

  private attributeDefault(): void {
    const t = this.next();
    const name = this.string('the attribute name in BA_DEF_DEF_');
    const value = this.numberOrString(`the default of attribute ${name}`);
    this.end('BA_DEF_DEF_');
    this.out.attributeDefaults.push({ name, value, line: t.line });
  }

  private attributeValue(): void {
    const t = this.next();
    const name = this.string('the attribute name in BA_');
    const target = this.target();
    const value = this.numberOrString(`the value of attribute ${name}`);
    this.end('BA_');
    this.out.attributeValues.push({ name, target, value, line: t.line });
  }

  private valueDescription(): void {
    const t = this.next();
    let target: DbcTarget;
    if (this.peek().kind === TokenKind.Word) {
      target = { kind: 'envvar', name: this.word('an environment variable name') };
    } else {
      const fileId = this.messageId(' in VAL_');
      target = { kind: 'signal', fileId, name: this.word('a signal name in VAL_') };
    }
    const table = this.valuePairs('VAL_');
    this.out.valueDescriptions.push({ target, table, line: t.line });
  }

  private valueTable(): void {
    const t = this.next();
    const name = this.word('the value table name in VAL_TABLE_');
    const table = this.valuePairs('VAL_TABLE_');
    this.out.valueTables.push({ name, table, line: t.line });
  }

  private signalValueType(): void {
    const t = this.next();
    const fileId = this.messageId(' in SIG_VALTYPE_');
    const signal = this.word('a signal name in SIG_VALTYPE_');
    if (this.isPunct(':')) this.pos++;
    const type = this.integer(`the value type of signal ${signal} (0, 1 or 2)`, 0, 2);
    this.end('SIG_VALTYPE_');
    this.out.signalValueTypes.push({ fileId, signal, type, line: t.line });
  }

  private multiplexerValues(): void {
    const t = this.next();
    const fileId = this.messageId(' in SG_MUL_VAL_');
    const signal = this.word('a signal name in SG_MUL_VAL_');
    const switchName = this.word(`the multiplexer switch of signal ${signal} in SG_MUL_VAL_`);
    const ranges: Array<[number, number]> = [];
    for (;;) {
      const lo = this.integer(`the start of a multiplexer range of signal ${signal}`, 0);
      this.punct('-', `in the multiplexer range of signal ${signal}`);
      const hiToken = this.peek();
      const hi = this.integer(`the end of a multiplexer range of signal ${signal}`, 0);
      if (hi < lo) throw this.error(`multiplexer range ${lo}-${hi} of signal ${signal} is reversed`, hiToken);
      ranges.push([lo, hi]);
      if (!this.isPunct(',')) break;
      this.pos++;
    }
    this.end('SG_MUL_VAL_');
    this.out.multiplexerValues.push({ fileId, signal, switchName, ranges, line: t.line });
  }

  private transmitters(): void {
    const t = this.next();
    const fileId = this.messageId(' in BO_TX_BU_');
    this.punct(':', 'after the message id in BO_TX_BU_');
    const nodes: string[] = [];
    while ((this.peek().kind === TokenKind.Word && !this.startsStatement(this.peek())) || this.isPunct(',')) {
      const n = this.next();
      if (n.kind === TokenKind.Word) nodes.push(n.text);
    }
    this.end('BO_TX_BU_');
    this.out.transmitters.push({ fileId, nodes, line: t.line });
  }

  private signalGroup(): void {
    const t = this.next();
    const fileId = this.messageId(' in SIG_GROUP_');
    const name = this.word('the signal group name in SIG_GROUP_');
    const repetitions = this.integer(`the repetitions of signal group ${name}`, 0);
    this.punct(':', `after the repetitions of signal group ${name}`);
    const signals: string[] = [];
    while ((this.peek().kind === TokenKind.Word && !this.startsStatement(this.peek())) || this.isPunct(',')) {
      const n = this.next();
      if (n.kind === TokenKind.Word) signals.push(n.text);
    }
    this.end('SIG_GROUP_');
    this.out.signalGroups.push({ fileId, name, repetitions, signals, line: t.line });
  }
}
