// Watching a plain Node-RED the way its editor does, through the admin HTTP API and the comms
// websocket, plus a settings file whose logger writes every warning and error as a JSON line
// naming the node that logged it. Used by the examples-import test.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import WebSocket from 'ws';
import { waitFor } from './process';

/** One line of the log file the settings of `writeSettingsWithNodeLog` produce. */
export interface NodeLogEntry {
  ts: number;
  /** Node-RED's numeric level: 10 fatal, 20 error, 30 warn */
  level: number;
  type?: string;
  id?: string;
  name?: string;
  z?: string;
  msg: string;
}

export const LOG_LEVEL = { fatal: 10, error: 20, warn: 30 } as const;

/**
 * A settings file for a plain Node-RED (its own template settings.js), with the editor on 127.0.0.1,
 * the usual console log, and a second
 * log handler appending every warning and error to `logFile` as JSON, with the node's type, id,
 * name and tab. Parsing "[error] [type:name]" console lines would lose the id (the console shows
 * the name when there is one) and break on multi-line messages; the handler gets them as fields.
 */
export function writeSettingsWithNodeLog(settingsFile: string, logFile: string, templateSettings: string): void {
  writeFileSync(logFile, '');
  const handler = `function () {
      return function (msg) {
        let text = msg.msg;
        if (text && typeof text === 'object') text = text.stack || text.message || JSON.stringify(text);
        const entry = { ts: Date.now(), level: msg.level, type: msg.type, id: msg.id, name: msg.name, z: msg.z, msg: String(text) };
        fs.appendFileSync(LOG_FILE, JSON.stringify(entry) + '\\n');
      };
    }`;
  writeFileSync(
    settingsFile,
    `// written by test/helpers/nodered-admin.ts
const fs = require('fs');
const LOG_FILE = ${JSON.stringify(logFile)};
// the settings.js Node-RED copies into a new user directory, as a plain install runs with
const plain = require(${JSON.stringify(templateSettings)});
module.exports = {
  ...plain,
  uiHost: '127.0.0.1',
  logging: {
    console: { level: 'info', metrics: false, audit: false },
    nodeLog: { level: 'warn', metrics: false, audit: false, handler: ${handler} },
  },
};
`,
  );
}

export function readNodeLog(logFile: string): NodeLogEntry[] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as NodeLogEntry);
}

/** Marks a point in the log file (for the reader: what came after belongs to the next example). */
export function markNodeLog(logFile: string, note: string): void {
  appendFileSync(logFile, JSON.stringify({ ts: Date.now(), level: 99, msg: note }) + '\n');
}

export interface NodeStatus {
  fill?: string;
  shape?: string;
  text?: string;
}

export interface CommsEvent {
  at: number;
  topic: string;
  data: unknown;
}

/**
 * The editor's comms websocket (`/comms`), subscribed to node statuses, runtime notifications and
 * debug messages. Node-RED keeps the last status of every node as a retained message and sends it
 * to each new subscriber, so a status set in a node's constructor (before any Status node of the
 * flow exists) is seen too. Every event is kept with its arrival time.
 */
export class EditorComms {
  readonly events: CommsEvent[] = [];
  private constructor(private readonly ws: WebSocket) {}

  static async connect(base: string): Promise<EditorComms> {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/comms`);
    const comms = new EditorComms(ws);
    ws.on('message', (raw: Buffer) => {
      const batch = JSON.parse(raw.toString()) as Array<{ topic: string; data: unknown }> | { topic: string; data: unknown };
      for (const m of Array.isArray(batch) ? batch : [batch]) comms.events.push({ at: Date.now(), topic: m.topic, data: m.data });
    });
    ws.on('error', () => {
      /* a closed socket shows as missing events; the caller reports what it did not see */
    });
    await waitFor('the comms websocket to open', () => ws.readyState === WebSocket.OPEN, 30000, 50);
    for (const topic of ['status/#', 'notification/#', 'debug']) ws.send(JSON.stringify({ subscribe: topic }));
    return comms;
  }

  /** The last status of each node, among the events from index `from` on. */
  lastStatuses(from = 0): Map<string, NodeStatus> {
    const last = new Map<string, NodeStatus>();
    for (const e of this.events.slice(from)) if (e.topic.startsWith('status/')) last.set(e.topic.slice('status/'.length), e.data as NodeStatus);
    return last;
  }

  close(): void {
    this.ws.terminate();
  }
}

/** A full deployment of `flows` (replacing whatever ran), as the editor's Deploy button does. Returns the revision. */
export async function deployFull(base: string, flows: unknown[]): Promise<string> {
  const r = await fetch(`${base}/flows`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full', 'Node-RED-API-Version': 'v2' },
    body: JSON.stringify({ flows }),
  });
  const body = await r.text();
  if (r.status !== 200 && r.status !== 204) throw new Error(`POST /flows answered ${r.status}: ${body}`);
  return (JSON.parse(body || '{}') as { rev?: string }).rev ?? '';
}

/** Presses an inject node's button (the editor's POST /inject/:id). */
export async function pressInject(base: string, id: string): Promise<void> {
  const r = await fetch(`${base}/inject/${id}`, { method: 'POST' });
  if (r.status !== 200) throw new Error(`POST /inject/${id} answered ${r.status}: ${await r.text()}`);
}
