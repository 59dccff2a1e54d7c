// Writes to an MQTT device's tags: validated all-or-nothing against its profile (the tag exists,
// is writable, the value fits its type), published on the profile's command topic, audited, and
// answered when the device confirms (a message on the confirmation topic whose value is the one
// written) or refused with a WriteError naming the tag once the profile's timeout passes.
import type { AuditLog, AuditRecord } from '../../audit/audit-log';
import type { DeviceWriteAnswer, TagWriteReport } from '../../api/directory';
import { WriteError, WriteValidationError, type WriteProblem } from '../../modbus/writes';
import type { MqttProfile, MqttTag } from '../../profiles/types';
import { readJsonPath } from '../../profiles/json-path';
import type { TagValue } from '../../tags/contract';
import { parseDevicePayload } from './reading';
import { deviceTopic, type DeviceTopicValues } from './topics';
import { booleanOfText, commandText, tagValueOf } from './values';

export interface MqttPublish {
  (topic: string, payload: string): Promise<void>;
}

export interface MqttCommandOptions {
  profile: MqttProfile;
  at: DeviceTopicValues;
  publish: MqttPublish;
  audit?: AuditLog;
  /** the tag's last good value, for the audit's `old` */
  oldValue(tag: string): unknown;
}

interface Waiter {
  tag: MqttTag;
  value: TagValue;
  resolve(ts: number | undefined): void;
}

/** The value a command asks for, in the tag's type; a reason when it does not fit. */
export function requestedValue(tag: MqttTag, v: unknown): { ok: true; value: TagValue } | { ok: false; reason: string } {
  if (tag.type === 'number') {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, reason: `${JSON.stringify(v)} is not a number` };
  }
  if (tag.type === 'boolean') {
    if (typeof v === 'boolean') return { ok: true, value: v };
    const b = typeof v === 'number' || typeof v === 'string' ? booleanOfText(String(v)) : undefined;
    if (b !== undefined) return { ok: true, value: b };
    return { ok: false, reason: `${JSON.stringify(v)} is not true or false` };
  }
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? { ok: true, value: String(v) } : { ok: false, reason: `${JSON.stringify(v)} is not text` };
}

export class MqttCommandWriter {
  private readonly waiting = new Map<string, Waiter[]>();
  private closed = false;

  constructor(private readonly o: MqttCommandOptions) {}

  /** Validates every value before anything is published; throws WriteValidationError. */
  validate(values: Readonly<Record<string, unknown>>): { tag: MqttTag; value: TagValue }[] {
    const problems: WriteProblem[] = [];
    const plan: { tag: MqttTag; value: TagValue }[] = [];
    const names = Object.keys(values);
    if (!names.length) problems.push({ tag: '(none)', reason: 'a write names at least one tag: { "<tag>": value }' });
    for (const name of names) {
      const tag = this.o.profile.tags.find((t) => t.name === name);
      if (!tag) {
        problems.push({ tag: name, reason: `no such tag in profile ${this.o.profile.id}` });
        continue;
      }
      if (tag.access !== 'rw' || !tag.command) {
        problems.push({ tag: name, reason: 'read-only' });
        continue;
      }
      const r = requestedValue(tag, values[name]);
      if (!r.ok) problems.push({ tag: name, reason: r.reason });
      else plan.push({ tag, value: r.value });
    }
    if (problems.length) throw new WriteValidationError(problems);
    return plan;
  }

  /** Publishes the commands and waits for every confirmation the profile asks for. */
  async write(values: Readonly<Record<string, unknown>>, actor: string): Promise<DeviceWriteAnswer> {
    if (this.closed) throw new Error(`${this.o.at.device}: the node is closing`);
    const plan = this.validate(values);
    const reports = await Promise.all(plan.map((p) => this.writeOne(p.tag, p.value, actor)));
    const failed = reports.filter((r) => r.error);
    if (failed.length) {
      const first = failed[0];
      const confirmed = reports.filter((r) => !r.error).map((r) => r.report.tag);
      throw new WriteError(
        failed.map((f) => f.report.tag),
        confirmed,
        [],
        first.where,
        first.error!,
      );
    }
    return { device: this.o.at.device, outcome: 'written', tags: reports.map((r) => r.report), warnings: reports.flatMap((r) => r.warnings) };
  }

  private async writeOne(tag: MqttTag, value: TagValue, actor: string): Promise<{ report: TagWriteReport; error?: Error; where: string; warnings: string[] }> {
    const cmd = tag.command!;
    const topic = deviceTopic(cmd.topic, this.o.at);
    const raw = tag.type === 'number' && (tag.scale !== 1 || tag.offset !== 0) ? ((value as number) - tag.offset) / tag.scale : value;
    // one pass: a value's own text ("{device}" written to a display) is never a placeholder
    const text = cmd.payload.replace(/\{(value|topic|device)\}/g, (_m, k: 'value' | 'topic' | 'device') => (k === 'value' ? commandText(tag, raw) : this.o.at[k]));
    const old = this.o.oldValue(tag.name) ?? null;
    const report: TagWriteReport = { tag: tag.name, requested: value, written: value, old };
    const warnings: string[] = [];
    const audit = (ok: boolean, error?: string) => {
      const rec: Omit<AuditRecord, 'ts'> = { actor, device: this.o.at.device, tag: tag.name, old, new: value, ok, requested: value, oldSource: 'poll', outcome: ok ? 'written' : 'failed' };
      if (error) rec.error = error;
      try {
        this.o.audit?.record(rec);
      } catch (err) {
        warnings.push(`audit: ${(err as Error).message}`);
      }
    };
    const confirmation = cmd.confirm ? this.awaitConfirmation(tag, value, cmd.confirm.timeoutS * 1000) : undefined;
    try {
      await this.o.publish(topic, text);
    } catch (err) {
      confirmation?.cancel();
      audit(false, (err as Error).message);
      return { report, error: err as Error, where: `publish on ${topic}`, warnings };
    }
    if (!confirmation) {
      audit(true);
      return { report, where: topic, warnings };
    }
    const confirmTopic = deviceTopic(cmd.confirm!.topic, this.o.at);
    const ts = await confirmation.promise;
    if (ts === undefined) {
      const why = `no confirmation on ${confirmTopic} within ${cmd.confirm!.timeoutS} s`;
      audit(false, why);
      return { report, error: new Error(why), where: `confirmation of ${tag.name}`, warnings };
    }
    audit(true);
    report.readBack = { value, quality: 'good', ts };
    return { report, where: confirmTopic, warnings };
  }

  private awaitConfirmation(tag: MqttTag, value: TagValue, timeoutMs: number): { promise: Promise<number | undefined>; cancel(): void } {
    const topic = deviceTopic(tag.command!.confirm!.topic, this.o.at);
    let settle!: (ts: number | undefined) => void;
    const promise = new Promise<number | undefined>((resolve) => (settle = resolve));
    const waiter: Waiter = { tag, value, resolve: (ts) => done(ts) };
    const list = this.waiting.get(topic) ?? [];
    list.push(waiter);
    this.waiting.set(topic, list);
    const timer = setTimeout(() => done(undefined), timeoutMs);
    const done = (ts: number | undefined) => {
      clearTimeout(timer);
      const l = this.waiting.get(topic);
      if (l) {
        const i = l.indexOf(waiter);
        if (i >= 0) l.splice(i, 1);
        if (!l.length) this.waiting.delete(topic);
      }
      settle(ts);
    };
    return { promise, cancel: () => done(undefined) };
  }

  /** Every message of the device's subscriptions: confirms the commands waiting on its topic. */
  observe(topic: string, payload: Buffer | string, now: number): void {
    const list = this.waiting.get(topic);
    if (!list) return;
    for (const w of [...list]) {
      const confirm = w.tag.command!.confirm!;
      let raw: unknown;
      if (confirm.format === 'plain') raw = (typeof payload === 'string' ? payload : payload.toString('utf8')).trim();
      else {
        try {
          raw = readJsonPath(parseDevicePayload(payload, `${topic} payload`), confirm.path!);
        } catch {
          continue;
        }
      }
      const r = tagValueOf(w.tag, raw);
      if (r.ok && r.value === w.value) w.resolve(now);
    }
  }

  /** Ends every wait (as unconfirmed): the node is closing. */
  close(): void {
    this.closed = true;
    for (const list of [...this.waiting.values()]) for (const w of [...list]) w.resolve(undefined);
  }
}
