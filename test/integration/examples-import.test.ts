// Every example flow, as a palette user meets it: our tarball installed with the palette
// manager's npm flags into a plain Node-RED 4.1 user directory, Node-RED started once, and each
// examples/*.json deployed alone (full deployment through the admin API, like Import + Deploy),
// left running, its inject buttons pressed, then replaced by an empty flow. Per example, no node
// of it may log an error (a settings file's log handler records type, id and name of the node
// that logged) and none may end with a red status (the editor's comms websocket keeps every
// node's last status, also one set while the node was constructed).
//
// The examples run on their own: simulators, replay files shipped in the package and endpoints
// served by the same Node-RED. What truly needs an outside peer (an MQTT broker) gets a real
// mosquitto on the port the example names. Every adaptation the test makes is printed.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../helpers/gateway';
import { freePort, waitFor } from '../helpers/process';
import { PEER, missingPeer } from '../helpers/peers';
import { startMosquitto, type Broker } from '../helpers/mosquitto';
import { npmEnv, offerLocalSqlitePrebuild, packTarball } from '../helpers/npm-install';
import { paletteInstall, startPlainNodeRed, type PlainNodeRed } from '../helpers/palette';
import { EditorComms, LOG_LEVEL, deployFull, pressInject, readNodeLog, writeSettingsWithNodeLog } from '../helpers/nodered-admin';
import { adaptExample, brokerPorts, type FlowNode } from '../helpers/example-flows';

const EXAMPLES_DIR = join(REPO_ROOT, 'examples');
// EDGEGW_EXAMPLES=a.json,b.json runs only those (when working on one example)
const only = process.env.EDGEGW_EXAMPLES?.split(',').filter(Boolean);
const exampleFiles = readdirSync(EXAMPLES_DIR)
  .filter((f) => f.endsWith('.json') && (!only || only.includes(f)))
  .sort();
/**
 * How long an example runs before its buttons are pressed, and after. Long enough for every
 * first cycle (injects fire at 0.1-1 s, connections open, first polls answer), short enough that
 * the install and all examples fit the test runner's 300 s per file on a loaded machine.
 */
const RUN_MS = 3000;
const AFTER_PRESS_MS = 1500;
const BETWEEN_PRESSES_MS = 150;
/**
 * Buttons not pressed, and why: each starts a simulated fault whose red status and errors are the
 * point of the demo (the node tests of those flows press them and check the outcome).
 */
const FAULT_BUTTONS: Record<string, Record<string, string>> = {
  'circuit-breaker.json': { c1bc0b0000000016: 'starts a simulated outage of the guarded service (test/nodes/supervision-examples presses it)' },
  'gateway-pipeline.json': { 'egwx.sup.twin.toggle': 'starts a simulated outage of the digital twin' },
};

let work: string;
let userDir: string;
let logFile: string;
let nodeRed: PlainNodeRed | undefined;
let comms: EditorComms | undefined;
let registeredTypes = new Set<string>();
/** why the whole file cannot run (install failed, Node-RED did not start) */
let setupError: Error | undefined;
const brokers = new Map<number, Broker>();

before(
  async () => {
    work = mkdtempSync(join(tmpdir(), 'edgegw-examples-'));
    userDir = join(work, 'userdir');
    logFile = join(work, 'node-log.jsonl');
    const started = Date.now();
    try {
      const tarball = packTarball(REPO_ROOT, work);
      const env = npmEnv();
      const install = paletteInstall(tarball, userDir, { ...env, ...offerLocalSqlitePrebuild(join(work, 'prebuilds')) });
      if (install.status !== 0) throw new Error(`palette install failed:\n${install.stdout}\n${install.stderr}`);
      const redJs = require.resolve('node-red/red.js');
      const settingsFile = join(work, 'settings.js');
      writeSettingsWithNodeLog(settingsFile, logFile, join(dirname(redJs), 'settings.js'));
      const port = await freePort();
      // EDGEGW_UI_PORT: the gateway-pipeline flow's twin client posts to this Node-RED's own
      // editor port, and documents the variable (1880 when unset).
      nodeRed = await startPlainNodeRed({ node: process.execPath, redJs, userDir, port, settingsFile, env: { ...env, EDGEGW_UI_PORT: String(port) }, label: 'plain Node-RED 4.1' });
      registeredTypes = new Set(nodeRed.sets.filter((s) => s.enabled && !s.err).flatMap((s) => s.types));
      comms = await EditorComms.connect(nodeRed.base);
      console.log(`# packed, installed with the palette flags and started Node-RED in ${Math.round((Date.now() - started) / 1000)} s`);
    } catch (err) {
      setupError = err as Error;
    }
  },
  { timeout: 900000 },
);

after(async () => {
  const stopping = Date.now();
  comms?.close();
  await nodeRed?.peer.stop();
  for (const b of brokers.values()) await b.stop();
  rmSync(work, { recursive: true, force: true });
  console.log(`# stopped Node-RED and the brokers in ${Math.round((Date.now() - stopping) / 1000)} s`);
});

/** A mosquitto on `port` for the examples that name it; a busy port is reported as the reason to skip. */
async function brokerOn(port: number): Promise<string | null> {
  if (brokers.has(port)) return null;
  const missing = missingPeer(...PEER.mosquitto());
  if (missing) return missing;
  try {
    brokers.set(port, await startMosquitto(port));
    console.log(`# started mosquitto on 127.0.0.1:${port}, the broker the example names`);
    return null;
  } catch (err) {
    throw new Error(`cannot start mosquitto on port ${port} that the example names (is the port taken?): ${(err as Error).message}`);
  }
}

function describeNode(byId: Map<string, FlowNode>, id: string | undefined): string {
  const n = id ? byId.get(id) : undefined;
  if (!n) return `node ${id ?? '(runtime)'}`;
  return `${n.type} ${n.id}${typeof n.name === 'string' && n.name ? ` "${n.name}"` : ''}`;
}

async function waitForDeploy(from: number, rev: string, what: string): Promise<void> {
  const c = comms!;
  await waitFor(
    `${what} to start (runtime-deploy revision ${rev})`,
    () => {
      if (nodeRed!.peer.proc.exitCode !== null) throw Object.assign(new Error(`Node-RED exited:\n${nodeRed!.peer.output().slice(-4000)}`), { fatal: true });
      for (const e of c.events.slice(from)) {
        const payload = e.data as { revision?: string; state?: string; error?: string; types?: string[] } | undefined;
        if (e.topic === 'notification/runtime-state' && payload?.error) {
          throw Object.assign(new Error(`${what} did not start: ${payload.error} ${JSON.stringify(payload.types ?? [])}`), { fatal: true });
        }
        if (e.topic === 'notification/runtime-deploy' && payload?.revision === rev) return true;
      }
      return false;
    },
    120000,
    100,
  );
}

/** Lets the running example work for `ms`, failing at once if Node-RED dies. */
async function run(ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (nodeRed!.peer.proc.exitCode !== null) throw new Error(`Node-RED exited:\n${nodeRed!.peer.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Deploys `flow` alone, lets it run, presses its inject buttons (but the `faults`), replaces it by
 * an empty flow, and returns what went wrong: errors its nodes logged, red last statuses.
 */
async function deployAndWatch(file: string, flow: FlowNode[], faults: Record<string, string>): Promise<string[]> {
  const byId = new Map(flow.map((n) => [n.id, n]));
  const c = comms!;
  const fromEvent = c.events.length;
  const logFrom = Date.now();
  const rev = await deployFull(nodeRed!.base, flow);
  await waitForDeploy(fromEvent, rev, file);
  await run(RUN_MS);
  // the buttons a user would press; the examples' deliberately refused inputs are caught by
  // their Catch nodes, so they log nothing
  for (const [id, why] of Object.entries(faults)) console.log(`# ${file}: button ${describeNode(byId, id)} not pressed: it ${why}`);
  const buttons = flow.filter((n) => n.type === 'inject' && !n.once && !n.repeat && !n.crontab && !faults[n.id]);
  console.log(`# ${file}: pressing ${buttons.length} inject button(s)`);
  for (const b of buttons) {
    await pressInject(nodeRed!.base, b.id);
    await run(BETWEEN_PRESSES_MS);
  }
  await run(AFTER_PRESS_MS);
  const statuses = c.lastStatuses(fromEvent);
  const debugMessages = c.events.slice(fromEvent).filter((e) => e.topic === 'debug' && byId.has(String((e.data as { id?: string }).id))).length;
  console.log(
    `# ${file}: ${debugMessages} debug message(s); last statuses: ${
      [...statuses]
        .filter(([id]) => byId.has(id))
        .map(([id, st]) => `${describeNode(byId, id)} ${st.fill ?? '-'} "${st.text ?? ''}"`)
        .join('; ') || 'none'
    }`,
  );
  // replaced by nothing: errors on close belong to this example too
  const fromEmpty = c.events.length;
  const emptyRev = await deployFull(nodeRed!.base, []);
  await waitForDeploy(fromEmpty, emptyRev, `${file} replaced by an empty flow`);

  const tabIds = new Set(flow.filter((n) => n.type === 'tab').map((n) => n.id));
  const logged = readNodeLog(logFile).filter((e) => e.ts >= logFrom && e.level <= LOG_LEVEL.warn);
  const ours = logged.filter((e) => (e.id && byId.has(e.id)) || (e.z && tabIds.has(e.z)) || !e.id);
  for (const w of ours.filter((e) => e.level === LOG_LEVEL.warn)) console.log(`# ${file}: warning from ${describeNode(byId, w.id)}: ${w.msg}`);
  const problems: string[] = [];
  for (const e of ours.filter((x) => x.level <= LOG_LEVEL.error)) {
    problems.push(`error logged by ${e.id ? describeNode(byId, e.id) : `the runtime (${e.type ?? 'no node'})`}: ${e.msg}`);
  }
  for (const [id, status] of statuses) {
    if (!byId.has(id)) continue;
    if (status.fill === 'red') problems.push(`red status of ${describeNode(byId, id)}: ${status.text ?? ''}`);
    // numbers as people read them: 0.6692125712503697 on a status is a value nobody rounded
    else if (/\d\.\d{7,}/.test(String(status.text ?? ''))) problems.push(`unrounded number in the status of ${describeNode(byId, id)}: ${status.text ?? ''}`);
  }
  return problems;
}

describe('every example imports and runs clean in a plain Node-RED 4.1 with the palette install', () => {
  test('self-check: a node error and a red status set at start are both reported', async () => {
    if (setupError) throw setupError;
    const tab = 'selfcheck.tab';
    const flow: FlowNode[] = [
      { id: tab, type: 'tab', label: 'self-check' },
      {
        id: 'selfcheck.bad',
        type: 'inject',
        z: tab,
        name: 'bad JSONata',
        props: [{ p: 'payload' }],
        once: true,
        onceDelay: 0.1,
        repeat: '',
        topic: '',
        payload: '$noSuchFunction()',
        payloadType: 'jsonata',
        wires: [[]],
      },
      {
        id: 'selfcheck.red',
        type: 'function',
        z: tab,
        name: 'red at start',
        func: 'return msg;',
        outputs: 1,
        initialize: "node.status({ fill: 'red', shape: 'ring', text: 'deliberately red' });",
        finalize: '',
        libs: [],
        wires: [[]],
      },
    ];
    const problems = await deployAndWatch('self-check', flow, {});
    assert.ok(
      problems.some((p) => /^error logged by inject selfcheck\.bad "bad JSONata": .*JSONata/.test(p)),
      problems.join('\n'),
    );
    assert.ok(problems.includes('red status of function selfcheck.red "red at start": deliberately red'), problems.join('\n'));
  });

  for (const file of exampleFiles) {
    test(`examples/${file}`, async (t) => {
      if (setupError) throw setupError;
      const original = JSON.parse(readFileSync(join(EXAMPLES_DIR, file), 'utf8')) as FlowNode[];
      const { flow, notes } = adaptExample(original, { editorPort: Number(new URL(nodeRed!.base).port) });
      for (const note of notes) console.log(`# ${file}: ${note}`);
      for (const port of brokerPorts(flow)) {
        const skip = await brokerOn(port);
        if (skip) {
          t.skip(skip);
          return;
        }
      }
      const unknown = flow.filter((n) => n.type !== 'tab' && !registeredTypes.has(n.type) && !n.type.startsWith('subflow:'));
      assert.deepEqual(
        unknown.map((n) => `${n.type} ${n.id}`),
        [],
        `${file}: node types no installed module provides`,
      );

      const problems = await deployAndWatch(file, flow, FAULT_BUTTONS[file] ?? {});
      assert.deepEqual(problems, [], `examples/${file} in a plain Node-RED 4.1:\n  ${problems.join('\n  ')}`);
    });
  }
});

// keep the tmp dir tidy when a run is interrupted between before() and after()
process.on('exit', () => {
  if (work) rmSync(work, { recursive: true, force: true });
});
