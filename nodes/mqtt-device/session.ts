// One mqtt-device's running state for its current profile: the reader of its messages, its
// liveness (stale, down), its command writer, and what the node shows (status, /health). A
// reloaded profile starts a new reader and writer under the same session; the last samples stay.
import type { Node, NodeMessage } from '../common/red';
import type { AuditLog } from '../../lib/audit/audit-log';
import type { DeviceWriteAnswer } from '../../lib/api/directory';
import { MqttDeviceReader } from '../../lib/mqtt/device/reading';
import { DeviceLiveness } from '../../lib/mqtt/device/liveness';
import { MqttCommandWriter } from '../../lib/mqtt/device/commands';
import type { MqttProfile } from '../../lib/profiles/types';
import { scanMessage, type TagSample } from '../../lib/tags/contract';
import { LogThrottle } from '../../lib/system/process/log-throttle';
import { LOOK, StatusDisplay } from '../common/node-status';
import { TelemetryScope } from '../common/telemetry';
import type { BrokerState } from './broker-link';

export interface DeviceSessionOptions {
  node: Node;
  device: string;
  topic: string;
  /** 0: the profile's staleAfter */
  staleAfterS: number;
  audit: AuditLog;
  publish(topic: string, payload: string): Promise<void>;
  subscribe(filters: readonly string[], onMessage: (topic: string, payload: Buffer) => void): void;
  send(msg: NodeMessage): void;
  /** adds to the messages metric: called with the counts gathered since the last call, not per message */
  counted(outcome: MessageOutcome, messages: number): void;
  /** tells the device registry the device was heard from (or is down) */
  seen?(status: 'active' | 'down'): void;
  /**
   * The device registry lets the device's data into the pipeline (absent: always). A device that
   * announced itself is pending until an operator accepts it: its messages are read and counted
   * as `held`, and nothing is sent.
   */
  accepted?(): boolean;
}

export type MessageOutcome = 'read' | 'bad' | 'ignored' | 'held';

export class DeviceSession {
  private reader: MqttDeviceReader | undefined;
  private writer: MqttCommandWriter | undefined;
  private liveness: DeviceLiveness | undefined;
  private timer: NodeJS.Timeout | undefined;
  private broker: BrokerState = 'connecting';
  private problem: string | undefined;
  /** figures changed since the last status */
  private dirty = false;
  /** messages by outcome since the metric was last told: a labelled metric costs a hash per call, too much per message of a flood */
  private readonly uncounted: Record<MessageOutcome, number> = { read: 0, bad: 0, ignored: 0, held: 0 };
  /** the registry held the device's data back at the last message (pending, rejected or retired) */
  private held = false;
  private readonly status: StatusDisplay;
  private readonly telemetry: TelemetryScope;
  private readonly badLog: LogThrottle;
  closed = false;

  constructor(private readonly o: DeviceSessionOptions) {
    this.status = new StatusDisplay(o.node);
    this.telemetry = new TelemetryScope(o.node, 'mqtt-device');
    // a device that sends garbage is logged once a minute with a count, not per message
    this.badLog = new LogThrottle((line) => o.node.warn(line), 'unreadable values');
  }

  get profileFile(): string | undefined {
    return this.reader?.profile.file;
  }

  start(profile: MqttProfile): void {
    const previous = this.liveness;
    this.writer?.close();
    this.problem = undefined;
    const at = { device: this.o.device, topic: this.o.topic };
    this.reader = new MqttDeviceReader(profile, at);
    const staleAfterMs = (this.o.staleAfterS || profile.staleAfter) * 1000;
    this.liveness = new DeviceLiveness(
      profile.tags.map((t) => t.name),
      this.o.device,
      staleAfterMs,
      Date.now(),
    );
    // the new profile's tags that the old one also had keep their last sample
    if (previous) this.liveness.carry(previous);
    this.writer = new MqttCommandWriter({ profile, at, publish: (topic, payload) => this.o.publish(topic, payload), audit: this.o.audit, oldValue: (tag) => this.liveness?.lastGoodValue(tag) });
    this.o.subscribe(this.reader.subscriptions(), (topic, payload) => this.receive(topic, payload));
    clearInterval(this.timer);
    this.timer = setInterval(() => this.check(), Math.max(100, Math.min(1000, staleAfterMs / 4)));
    this.show();
  }

  private receive(topic: string, payload: Buffer): void {
    if (this.closed || !this.reader || !this.liveness) return;
    const now = Date.now();
    this.writer?.observe(topic, payload, now);
    const r = this.reader.receive(topic, payload, now);
    if (r.kind === 'ignored') {
      this.uncounted.ignored++;
      return;
    }
    if (r.kind === 'availability') {
      if (r.online) this.liveness.online(now);
      else this.emit(this.liveness.down(now, `device offline: '${r.payload}' on its availability topic`));
      this.show();
      return;
    }
    if (!r.samples.length) return;
    const was = this.liveness.state;
    this.liveness.heard(now, r.samples);
    if (!this.mayEmit()) {
      this.uncounted.held++;
      if (was !== 'live') this.show();
      else this.dirty = true;
      return;
    }
    const bad = r.samples.find((s) => s.quality === 'bad');
    if (bad) this.uncounted.bad++;
    else this.uncounted.read++;
    if (bad) this.badLog.log(`${this.o.device}/${bad.name} on ${topic}: ${bad.error}`);
    this.emit(r.samples);
    // a flood must not send a status and a health report per message: the timer shows the figures
    if (was !== 'live') this.show();
    else this.dirty = true;
  }

  private emit(samples: TagSample[]): void {
    if (samples.length && this.mayEmit()) this.o.send(scanMessage(this.o.device, samples) as unknown as NodeMessage);
  }

  /** Asks the registry (a lookup in memory); says once when the device is held back, and when it is let in. */
  private mayEmit(): boolean {
    const held = this.o.accepted ? !this.o.accepted() : false;
    if (held !== this.held) {
      this.held = held;
      this.dirty = true;
      if (held)
        this.o.node.warn(
          `device ${this.o.device} is not accepted in the device registry: its data stays out of the pipeline until it is (the editor's Devices sidebar, or edge-gateway devices accept ${this.o.device})`,
        );
      else this.o.node.log(`device ${this.o.device} accepted: its data enters the pipeline`);
    }
    return !held;
  }

  private countMessages(): void {
    for (const outcome of ['read', 'bad', 'ignored', 'held'] as const) {
      if (this.uncounted[outcome]) this.o.counted(outcome, this.uncounted[outcome]);
      this.uncounted[outcome] = 0;
    }
  }

  private check(): void {
    if (this.closed || !this.liveness) return;
    this.countMessages();
    const scan = this.liveness.check(Date.now());
    if (scan) this.emit(scan);
    if (scan || this.dirty) this.show();
  }

  brokerState(s: BrokerState): void {
    this.broker = s;
    this.show();
  }

  profileProblem(message: string): void {
    this.problem = message;
    this.o.node.warn(message);
    this.show();
  }

  write(values: Readonly<Record<string, unknown>>, actor: string): Promise<DeviceWriteAnswer> {
    if (!this.writer) return Promise.reject(new Error(`${this.o.device}: no profile loaded`));
    return this.writer.write(values, actor);
  }

  snapshot(): Record<string, unknown> {
    const l = this.liveness;
    return {
      protocol: 'mqtt',
      profile: this.reader?.profile.id,
      topic: this.o.topic,
      broker: this.broker,
      state: l?.state,
      lastSeen: l?.lastSeen,
      ...(l ? l.stats() : {}),
      ...(this.problem ? { profileProblem: this.problem } : {}),
    };
  }

  private show(): void {
    if (this.closed || !this.liveness) return;
    this.dirty = false;
    const state = this.liveness.state;
    const stats = this.liveness.stats();
    if (state === 'live' || state === 'down') this.o.seen?.(state === 'live' ? 'active' : 'down');
    const detail = {
      device: this.o.device,
      profile: this.reader?.profile.id,
      state,
      broker: this.broker,
      ...stats,
      ...(this.problem ? { profileProblem: this.problem } : {}),
      ...(this.held ? { notAccepted: true } : {}),
    };
    this.telemetry.health(this.broker !== 'connected' || state === 'down' ? 'down' : state === 'live' && !this.problem && !this.held ? 'ok' : 'degraded', detail);
    if (this.held) return this.status.show(LOOK.waiting, 'mqtt-device.status.notAccepted');
    if (this.problem) return this.status.show(LOOK.warning, 'mqtt-device.status.profileProblem', { profile: this.reader?.profile.id ?? '' });
    if (this.broker !== 'connected') return this.status.show(this.broker === 'connecting' ? LOOK.busy : LOOK.failed, `mqtt-device.status.broker.${this.broker}`);
    if (state === 'live') this.status.show(LOOK.ok, 'mqtt-device.status.live', { tags: stats.tags });
    else if (state === 'stale') this.status.show(LOOK.warning, 'mqtt-device.status.stale');
    else if (state === 'down') this.status.show(LOOK.failed, 'mqtt-device.status.down');
    else this.status.show(LOOK.waiting, 'mqtt-device.status.waiting');
  }

  close(): void {
    this.countMessages();
    this.closed = true;
    clearInterval(this.timer);
    this.writer?.close();
    this.badLog.close();
    this.telemetry.close();
    this.status.clear();
  }
}
