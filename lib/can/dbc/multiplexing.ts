// Which switch selects which signal. Simple multiplexing (one M, signals mN) needs no more than
// the SG_ lines; extended multiplexing (several switches, mNM, value ranges) is spelled out by
// SG_MUL_VAL_, which then overrides the N of mN, as Vector's tools do.
import type { DbcWarning } from './errors';
import type { DbcStatements, RawSignal } from './statements';
import type { DbcMessage, DbcSignal } from './types';

/** Ranges wider than this in total are kept as ranges only (multiplexerValues stays unset). */
const MAX_EXPANDED_VALUES = 65536;

interface Selection {
  switchName: string;
  ranges: Array<[number, number]>;
  line: number;
}

export function resolveMultiplexing(message: DbcMessage, rawSignals: RawSignal[], extendedMux: Map<string, Selection>, warnings: DbcWarning[]): void {
  const byName = new Map(message.signals.map((s) => [s.name, s] as const));
  const plainSwitches = rawSignals.filter((s) => s.muxSwitch && s.muxValue === undefined);

  message.signals.forEach((signal, i) => {
    const raw = rawSignals[i];
    const selection = extendedMux.get(signal.name);
    if (selection) {
      const sw = byName.get(selection.switchName);
      if (!sw) {
        warnings.push({ line: selection.line, message: `SG_MUL_VAL_: switch "${selection.switchName}" of signal "${signal.name}" is not a signal of message ${message.name}; ignored` });
      } else {
        if (!sw.multiplexer) {
          // The reference decoders ignore a switch the SG_ lines do not mark; so do we.
          warnings.push({ line: selection.line, message: `SG_MUL_VAL_: "${sw.name}" switches signal "${signal.name}" but is not marked M (multiplexer); "${signal.name}" is never decoded` });
        }
        setSelection(signal, sw.name, selection.ranges, selection.line, warnings);
        return;
      }
    }
    if (raw.muxValue === undefined) return;
    if (plainSwitches.length === 0) {
      // No switch can say when this signal is valid, so it is never decoded.
      warnings.push({
        line: raw.line,
        message: `signal "${signal.name}" of message ${message.name} is multiplexed (m${raw.muxValue}) but the message has no multiplexer switch (M); it is never decoded`,
      });
      signal.multiplexerValues = [raw.muxValue];
      signal.multiplexerRanges = [[raw.muxValue, raw.muxValue]];
      return;
    }
    if (plainSwitches.length > 1 && i === rawSignals.findIndex((s) => s.muxValue !== undefined)) {
      warnings.push({ line: raw.line, message: `message ${message.name} has ${plainSwitches.length} multiplexer switches without SG_MUL_VAL_; "${plainSwitches[0].name}" is used` });
    }
    setSelection(signal, plainSwitches[0].name, [[raw.muxValue, raw.muxValue]], raw.line, warnings);
  });

  // A switch chain that loops back can never be decided: such signals are never decoded. Each
  // signal is walked once (chains can be long in odd files).
  const looped = new Map<DbcSignal, boolean>();
  for (const signal of message.signals) {
    const path: DbcSignal[] = [];
    const onPath = new Set<DbcSignal>();
    let s: DbcSignal | undefined = signal;
    let loop = false;
    while (s) {
      const known = looped.get(s);
      if (known !== undefined) {
        loop = known;
        break;
      }
      if (onPath.has(s)) {
        loop = true;
        warnings.push({
          line: s.line,
          message: `signal "${s.name}" of message ${message.name} is multiplexed in a loop (${[...path.slice(path.indexOf(s)), s].map((x) => x.name).join(' -> ')}); the signals of the loop are never decoded`,
        });
        break;
      }
      path.push(s);
      onPath.add(s);
      s = s.multiplexerSignal === undefined ? undefined : byName.get(s.multiplexerSignal);
    }
    for (const p of path) looped.set(p, loop);
  }
}

function setSelection(signal: DbcSignal, switchName: string, ranges: Array<[number, number]>, line: number, warnings: DbcWarning[]): void {
  signal.multiplexerSignal = switchName;
  signal.multiplexerRanges = ranges;
  let total = 0;
  for (const [lo, hi] of ranges) total += hi - lo + 1;
  if (total <= MAX_EXPANDED_VALUES) {
    const values: number[] = [];
    for (const [lo, hi] of ranges) for (let v = lo; v <= hi; v++) values.push(v);
    signal.multiplexerValues = values;
  } else {
    warnings.push({ line, message: `signal "${signal.name}" is selected by ${total} switch values; only multiplexerRanges lists them` });
  }
}

/** SG_MUL_VAL_ entries by message file id, then signal name; repeated entries for a signal merge. */
export function collectExtendedMultiplexing(st: DbcStatements, warnings: DbcWarning[]): Map<number, Map<string, Selection>> {
  const out = new Map<number, Map<string, Selection>>();
  for (const entry of st.multiplexerValues) {
    let perMessage = out.get(entry.fileId);
    if (!perMessage) out.set(entry.fileId, (perMessage = new Map()));
    const previous = perMessage.get(entry.signal);
    if (previous && previous.switchName !== entry.switchName) {
      warnings.push({ line: entry.line, message: `SG_MUL_VAL_: signal "${entry.signal}" already has switch "${previous.switchName}"; "${entry.switchName}" ignored` });
      continue;
    }
    if (previous) previous.ranges.push(...entry.ranges);
    else perMessage.set(entry.signal, { switchName: entry.switchName, ranges: [...entry.ranges], line: entry.line });
  }
  return out;
}
