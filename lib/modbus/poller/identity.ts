// Identity check: is the unit we poll the device we were configured for? A swapped unit id, a
// re-addressed RTU slave or a replaced device answers reads just as well, and its values would be
// published under the wrong name (and writes would reach the wrong machine). The check reads one
// tag of the table (a serial number register, say), or one object of the device's Read Device
// Identification (function 43 / MEI 14: its ProductCode, ModelName...), and compares it with
// the expected value.
//
// When: on the first cycle, after every reconnect (recheck()), and every `every` cycles after
// that; while the verdict is not `ok` every cycle re-checks, so a corrected device recovers at
// the next cycle. The poller asks gate() before each cycle: a message back means every tag of the
// cycle is `bad` with that message and nothing else is read.
import { compileCodec, type TagCodec } from '../codec';
import type { ModbusLine } from '../line/types';
import type { TagDef } from '../types';
import type { DeviceIdObject } from '../device-id-objects';
import type { TagValue } from '../../tags/contract';
import type { PollRefusal } from './poller';

export interface IdentitySettings {
  /** the tag (by name, from the device's tag table) whose value identifies the device */
  tag: string;
  /** the value it must have, as text ("12345", "SDM630", "true") */
  equals: string;
  /** re-check every this many poll cycles (default 10) */
  every: number;
}

export type IdentityVerdict = 'unchecked' | 'ok' | 'mismatch' | 'unreadable';

export interface IdentityState {
  verdict: IdentityVerdict;
  /** what the device answered last (its text form) */
  actual?: string;
  /** the mismatch or read error, naming the tag */
  error?: string;
  checks: number;
}

/** The text an identity value compares as: numbers and bigints in decimal, strings trimmed. */
export function identityText(v: TagValue): string {
  if (v === null) return 'null';
  if (Buffer.isBuffer(v)) return v.toString('hex');
  // strings read from registers are often padded with NULs or blanks
  if (typeof v === 'string') return v.replace(/[\0\s]+$/u, '').trim();
  return String(v);
}

/** True when the value matches the expected text (numerically when both are numbers: "12345.0" = 12345). */
export function identityMatches(v: TagValue, expected: string): boolean {
  const actual = identityText(v);
  const want = expected.trim();
  if (actual === want) return true;
  if (typeof v === 'number' || typeof v === 'bigint') {
    const n = Number(want);
    return want !== '' && Number.isFinite(n) && n === Number(v);
  }
  return false;
}

/** What identifies the device: a tag of its table, or a device identification object. */
export type IdentitySource = { tag: TagDef } | { object: DeviceIdObject };

export class IdentityCheck {
  private readonly codec: TagCodec | undefined;
  private readonly object: DeviceIdObject | undefined;
  private readonly every: number;
  private cyclesSinceCheck = 0;
  private due = true;
  private inFlight?: Promise<string | undefined>;
  private state: IdentityState = { verdict: 'unchecked', checks: 0 };

  constructor(
    private readonly line: Pick<ModbusLine, 'read' | 'readDeviceIdentification'>,
    private readonly unit: number,
    source: TagDef | IdentitySource,
    private readonly expected: string,
    every = 10,
  ) {
    if ('object' in source) this.object = source.object;
    else this.codec = compileCodec('tag' in source ? source.tag : source);
    this.every = Math.max(1, Math.floor(every));
  }

  /** The tag's name, or the identification object's (ProductCode): how messages name what was read. */
  get tag(): string {
    return this.codec ? this.codec.tag.name : this.object!.name;
  }

  /** Check again before the next cycle (after a reconnect: the device behind it may differ). */
  recheck(): void {
    this.due = true;
  }

  snapshot(): IdentityState {
    return { ...this.state };
  }

  /** Writes are only allowed to a device whose identity was read and matched. */
  writeBlock(): string | undefined {
    if (this.state.verdict === 'ok') return undefined;
    return this.state.error ?? `identity not verified yet: ${this.tag} has not been read`;
  }

  /**
   * Before a poll cycle: undefined to poll as usual, or the reason every tag of the cycle is bad.
   * Never rejects. Concurrent cycles (several poll groups) share one read.
   */
  gate(): Promise<string | undefined> {
    if (this.inFlight) return this.inFlight;
    this.cyclesSinceCheck++;
    if (!this.due && this.state.verdict === 'ok' && this.cyclesSinceCheck < this.every) return Promise.resolve(undefined);
    const p = this.check().finally(() => {
      if (this.inFlight === p) this.inFlight = undefined;
    });
    this.inFlight = p;
    return p;
  }

  /** gate() with the verdict's problem code: what the poller takes as its gate. */
  async refusal(): Promise<PollRefusal | undefined> {
    const message = await this.gate();
    if (message === undefined) return undefined;
    const s = this.state;
    if (s.verdict === 'mismatch') return { message, problem: { code: 'identityMismatch', args: { tag: this.tag, actual: s.actual ?? '', expected: this.expected.trim() } } };
    return { message, problem: { code: 'identityUnread', args: { tag: this.tag } } };
  }

  private async readIdentity(): Promise<TagValue> {
    if (!this.codec) return this.line.readDeviceIdentification(this.unit, this.object!.objectId);
    const t = this.codec.tag;
    const data = await this.line.read(this.unit, t.area, t.address, this.codec.width);
    return this.codec.decode(data, 0);
  }

  private async check(): Promise<string | undefined> {
    this.due = false;
    this.cyclesSinceCheck = 0;
    let value: TagValue;
    try {
      value = await this.readIdentity();
    } catch (err) {
      const was = this.state.verdict;
      const error = `identity check failed: ${this.tag} could not be read: ${(err as Error).message}`;
      this.state = { ...this.state, checks: this.state.checks + 1, error: was === 'mismatch' ? this.state.error : error };
      // a device already verified keeps polling through a read error (its own reads report it);
      // one never verified, or mismatched, stays blocked
      if (was === 'ok') {
        this.due = true;
        return undefined;
      }
      if (was !== 'mismatch') this.state.verdict = 'unreadable';
      return this.state.error;
    }
    const actual = identityText(value);
    if (identityMatches(value, this.expected)) {
      this.state = { verdict: 'ok', actual, checks: this.state.checks + 1 };
      return undefined;
    }
    const error = `identity mismatch: ${this.tag} is ${actual}, expected ${this.expected.trim()}`;
    this.state = { verdict: 'mismatch', actual, error, checks: this.state.checks + 1 };
    return error;
  }
}
