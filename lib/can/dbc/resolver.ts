// Turns the collected statements into the DbcDatabase: messages keyed by their file id, signals
// by name, comments, value tables, attributes, multiplexing, and finally the long names.
import { DbcAttributeTable, isFdFrameFormat, setAttribute } from './attributes';
import type { DbcWarning } from './errors';
import { collectExtendedMultiplexing, resolveMultiplexing } from './multiplexing';
import type { DbcStatements, DbcTarget, RawMessage, RawSignal } from './statements';
import type { DbcDatabase, DbcMessage, DbcNode, DbcSignal } from './types';

const EXTENDED_FLAG = 0x80000000;
/** Vector's pseudo-message that holds signals not sent in any frame. */
const INDEPENDENT_SIGNALS_MESSAGE = 'VECTOR__INDEPENDENT_SIG_MSG';

export function resolveDbc(st: DbcStatements, warnings: DbcWarning[]): DbcDatabase {
  const attrs = new DbcAttributeTable(warnings);
  for (const def of st.attributeDefinitions) attrs.define(def);
  for (const d of st.attributeDefaults) attrs.setDefault(d.name, d.value, d.line);

  const db: DbcDatabase = {
    version: st.version,
    newSymbols: st.newSymbols,
    nodes: [],
    messages: [],
    valueTables: new Map(),
    attributeDefinitions: attrs.list(),
    attributes: attrs.defaultsFor('network'),
    signalGroups: [],
    environmentValueTables: new Map(),
  };
  if (st.busTiming) db.busTiming = st.busTiming;

  const nodes = new Map<string, DbcNode>();
  for (const n of st.nodes) {
    if (nodes.has(n.name)) {
      warnings.push({ line: n.line, message: `node "${n.name}" is listed twice in BU_` });
      continue;
    }
    const node: DbcNode = { name: n.name, attributes: attrs.defaultsFor('node') };
    nodes.set(n.name, node);
    db.nodes.push(node);
  }

  const messages = new Map<number, { message: DbcMessage; raw: RawMessage; signals: Map<string, DbcSignal> }>();
  const all: Array<{ message: DbcMessage; raw: RawMessage }> = [];
  for (const raw of st.messages) {
    const message = buildMessage(raw, attrs, warnings);
    all.push({ message, raw });
    const signals = new Map<string, DbcSignal>();
    raw.signals.forEach((rawSignal, i) => {
      if (signals.has(rawSignal.name)) {
        warnings.push({ line: rawSignal.line, message: `message ${raw.name} has two signals named "${rawSignal.name}"; references go to the first` });
      } else {
        signals.set(rawSignal.name, message.signals[i]);
      }
    });
    if (messages.has(raw.fileId)) {
      warnings.push({ line: raw.line, message: `message id ${raw.fileId} is used twice (${messages.get(raw.fileId)!.message.name} and ${raw.name}); references go to the first` });
    } else {
      messages.set(raw.fileId, { message, raw, signals });
    }
    db.messages.push(message);
  }

  const findMessage = (fileId: number, line: number, what: string) => {
    const m = messages.get(fileId);
    if (!m) warnings.push({ line, message: `${what}: no message with id ${fileId}; ignored` });
    return m;
  };
  const findSignal = (fileId: number, name: string, line: number, what: string) => {
    const m = findMessage(fileId, line, what);
    if (!m) return undefined;
    const s = m.signals.get(name);
    if (!s) warnings.push({ line, message: `${what}: message ${m.message.name} has no signal "${name}"; ignored` });
    return s;
  };
  const findNode = (name: string, line: number, what: string) => {
    const n = nodes.get(name);
    if (!n) warnings.push({ line, message: `${what}: no node "${name}" in BU_; ignored` });
    return n;
  };
  const findTarget = (target: DbcTarget, line: number, what: string): { comment?: string; attributes: Record<string, unknown> } | undefined => {
    switch (target.kind) {
      case 'node':
        return findNode(target.name, line, what);
      case 'message':
        return findMessage(target.fileId, line, what)?.message;
      case 'signal':
        return findSignal(target.fileId, target.name, line, what);
      default:
        return undefined;
    }
  };

  // BA_ values over the defaults; the long-name attributes among them rename objects at the end.
  const longNames = { signal: new Map<DbcSignal, string>(), message: new Map<DbcMessage, string>(), node: new Map<DbcNode, string>() };
  for (const a of st.attributeValues) {
    if (a.target.kind === 'envvar') continue;
    const objectType = a.target.kind;
    const value = attrs.value(a.name, objectType, a.value, a.line);
    if (a.target.kind === 'network') {
      setAttribute(db.attributes, a.name, value);
      continue;
    }
    const obj = findTarget(a.target, a.line, `BA_ "${a.name}"`);
    if (!obj) continue;
    setAttribute(obj.attributes as Record<string, string | number>, a.name, value);
    if (typeof value === 'string' && value !== '') {
      if (a.name === 'SystemSignalLongSymbol' && a.target.kind === 'signal') longNames.signal.set(obj as DbcSignal, value);
      if (a.name === 'SystemMessageLongSymbol' && a.target.kind === 'message') longNames.message.set(obj as DbcMessage, value);
      if (a.name === 'SystemNodeLongSymbol' && a.target.kind === 'node') longNames.node.set(obj as DbcNode, value);
    }
  }

  for (const message of db.messages) {
    const cycle = message.attributes.GenMsgCycleTime;
    if (typeof cycle === 'number' && cycle > 0) message.cycleTime = cycle;
    message.fd = isFdFrameFormat(message.attributes.VFrameFormat) || message.length > 8;
  }

  for (const c of st.comments) {
    if (c.target.kind === 'network') {
      db.comment = db.comment === undefined ? c.text : `${db.comment}\n${c.text}`;
      continue;
    }
    if (c.target.kind === 'envvar') continue;
    const obj = findTarget(c.target, c.line, 'CM_');
    if (obj) obj.comment = c.text;
  }

  for (const t of st.valueTables) {
    if (db.valueTables.has(t.name)) warnings.push({ line: t.line, message: `value table "${t.name}" is defined twice; the later wins` });
    db.valueTables.set(t.name, t.table);
  }
  for (const v of st.valueDescriptions) {
    if (v.target.kind === 'envvar') {
      db.environmentValueTables.set(v.target.name, v.table);
    } else if (v.target.kind === 'signal') {
      const s = findSignal(v.target.fileId, v.target.name, v.line, 'VAL_');
      if (s) s.valueTable = v.table;
    }
  }

  for (const v of st.signalValueTypes) {
    const s = findSignal(v.fileId, v.signal, v.line, 'SIG_VALTYPE_');
    if (!s || v.type === 0) continue;
    const wanted = v.type === 1 ? 32 : 64;
    if (s.length !== wanted) {
      warnings.push({ line: v.line, message: `SIG_VALTYPE_ ${v.type} of signal "${s.name}" needs a ${wanted}-bit signal, not ${s.length} bits; decoded as an integer` });
      continue;
    }
    s.valueType = v.type === 1 ? 'float32' : 'float64';
  }

  for (const t of st.transmitters) {
    const m = findMessage(t.fileId, t.line, 'BO_TX_BU_');
    if (m) for (const n of t.nodes) if (!m.message.senders.includes(n)) m.message.senders.push(n);
  }

  for (const g of st.signalGroups) {
    const m = findMessage(g.fileId, g.line, `SIG_GROUP_ ${g.name}`);
    if (!m) continue;
    for (const s of g.signals) if (!m.signals.has(s)) warnings.push({ line: g.line, message: `SIG_GROUP_ ${g.name}: message ${m.message.name} has no signal "${s}"` });
    db.signalGroups.push({ messageId: m.message.id, extended: m.message.extended, name: g.name, repetitions: g.repetitions, signals: g.signals });
  }

  const extendedMux = collectExtendedMultiplexing(st, warnings);
  for (const e of st.multiplexerValues) findSignal(e.fileId, e.signal, e.line, 'SG_MUL_VAL_');
  for (const { message, raw } of all) {
    const primary = messages.get(raw.fileId)?.message === message;
    resolveMultiplexing(message, raw.signals, (primary && extendedMux.get(raw.fileId)) || new Map(), warnings);
  }

  applyLongNames(db, longNames);
  return db;
}

function buildMessage(raw: RawMessage, attrs: DbcAttributeTable, warnings: DbcWarning[]): DbcMessage {
  const extended = raw.fileId >= EXTENDED_FLAG;
  const id = extended ? raw.fileId - EXTENDED_FLAG : raw.fileId;
  if (raw.name !== INDEPENDENT_SIGNALS_MESSAGE) {
    if (!extended && id > 0x7ff) warnings.push({ line: raw.line, message: `message ${raw.name}: standard id ${id} (0x${id.toString(16)}) is above 0x7FF` });
    if (extended && id > 0x1fffffff) warnings.push({ line: raw.line, message: `message ${raw.name}: extended id 0x${id.toString(16)} is above 0x1FFFFFFF` });
  }
  if (raw.length > 64) warnings.push({ line: raw.line, message: `message ${raw.name} is ${raw.length} bytes long; CAN FD frames carry at most 64` });
  const message: DbcMessage = {
    id,
    extended,
    name: raw.name,
    length: raw.length,
    senders: raw.senders.filter((s) => s !== 'Vector__XXX'),
    signals: [],
    attributes: attrs.defaultsFor('message'),
    fd: false,
    line: raw.line,
  };
  for (const rs of raw.signals) message.signals.push(buildSignal(rs, message, attrs, warnings));
  return message;
}

function buildSignal(rs: RawSignal, message: DbcMessage, attrs: DbcAttributeTable, warnings: DbcWarning[]): DbcSignal {
  const signal: DbcSignal = {
    name: rs.name,
    startBit: rs.startBit,
    length: rs.length,
    byteOrder: rs.byteOrder,
    signed: rs.signed,
    valueType: 'integer',
    factor: rs.factor,
    offset: rs.offset,
    min: rs.min,
    max: rs.max,
    unit: rs.unit,
    receivers: rs.receivers,
    multiplexer: rs.muxSwitch,
    attributes: attrs.defaultsFor('signal'),
    line: rs.line,
  };
  const where = `signal "${rs.name}" of message ${message.name}`;
  if (rs.length < 1 || rs.length > 64) {
    warnings.push({ line: rs.line, message: `${where} is ${rs.length} bits long (1..64 allowed); it is not decoded` });
  } else {
    const span = signalByteSpan(rs.startBit, rs.length, rs.byteOrder);
    if (span.last >= message.length && message.name !== INDEPENDENT_SIGNALS_MESSAGE) {
      warnings.push({ line: rs.line, message: `${where} needs ${span.last + 1} bytes but the message is ${message.length} bytes long; decoded only from frames long enough` });
    }
  }
  if (rs.factor === 0) warnings.push({ line: rs.line, message: `${where} has factor 0; it cannot be encoded` });
  return signal;
}

/** First and last byte a signal touches. */
export function signalByteSpan(startBit: number, length: number, byteOrder: 'little_endian' | 'big_endian'): { first: number; last: number } {
  if (byteOrder === 'little_endian') return { first: startBit >> 3, last: (startBit + length - 1) >> 3 };
  // Motorola: the start bit is the MSB; walk to the LSB in "MSB-first" linear bit numbering.
  const msbLinear = (startBit >> 3) * 8 + (7 - (startBit & 7));
  const lsbLinear = msbLinear + length - 1;
  return { first: startBit >> 3, last: lsbLinear >> 3 };
}

function applyLongNames(db: DbcDatabase, longNames: { signal: Map<DbcSignal, string>; message: Map<DbcMessage, string>; node: Map<DbcNode, string> }): void {
  const nodeRenames = new Map<string, string>();
  for (const [node, name] of longNames.node) {
    nodeRenames.set(node.name, name);
    node.name = name;
  }
  const renameNode = (n: string) => nodeRenames.get(n) ?? n;
  for (const m of db.messages) {
    const newName = longNames.message.get(m);
    if (newName) m.name = newName;
    m.senders = m.senders.map(renameNode);
    const signalRenames = new Map<string, string>();
    for (const s of m.signals) {
      const sn = longNames.signal.get(s);
      if (sn) {
        signalRenames.set(s.name, sn);
        s.name = sn;
      }
      s.receivers = s.receivers.map(renameNode);
    }
    if (signalRenames.size === 0) continue;
    for (const s of m.signals) if (s.multiplexerSignal) s.multiplexerSignal = signalRenames.get(s.multiplexerSignal) ?? s.multiplexerSignal;
    for (const g of db.signalGroups) {
      if (g.messageId === m.id && g.extended === m.extended) g.signals = g.signals.map((n) => signalRenames.get(n) ?? n);
    }
  }
}
