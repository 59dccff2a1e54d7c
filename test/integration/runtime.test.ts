// The edge-gateway command as a user runs it: a child process on free ports with a temporary
// user directory; talked to over HTTP and MQTT.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync, readdirSync, mkdtempSync, mkdirSync, symlinkSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startGatewayProcess, runCli, REPO_ROOT } from '../helpers/gateway';
import { needPeers, PEER } from '../helpers/peers';
import { startMosquitto } from '../helpers/mosquitto';
import { freePort, waitFor } from '../helpers/process';

async function firstMessage(url: string, topic: string, timeoutMs = 20000): Promise<{ topic: string; payload: string }> {
  const client = mqtt.connect(url, { reconnectPeriod: 200 });
  try {
    return await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no message on ${topic} within ${timeoutMs} ms`)), timeoutMs);
      client.on('connect', () => client.subscribe(topic));
      client.on('message', (tp, payload) => {
        clearTimeout(t);
        resolve({ topic: tp, payload: payload.toString() });
      });
    });
  } finally {
    await client.endAsync(true);
  }
}

describe('edge-gateway runtime', () => {
  test('serves the editor, /health, /metrics; the default flow publishes on the embedded broker; SIGTERM exits 0', async () => {
    const gw = await startGatewayProcess();
    try {
      // the simulator listens once its register store has loaded: the line's first connect may
      // come before, and /health is degraded until the line retried (within a second or so)
      const h = await waitFor(
        'a healthy gateway',
        async () => {
          const health = await fetch(`${gw.base}/health`);
          assert.equal(health.status, 200);
          const body = (await health.json()) as any;
          return body.status === 'ok' ? body : undefined;
        },
        15_000,
      );
      assert.equal(h.runtime.up, true);
      assert.match(h.runtime.nodeRed, /^v?4\.1\./);
      assert.equal(h.flows.started, true);
      assert.equal(h.broker.mode, 'embedded');
      assert.ok(Array.isArray(h.nodes));

      const editor = await fetch(`${gw.base}/`);
      assert.equal(editor.status, 200);
      const html = await editor.text();
      assert.match(html, /<title>edge-gateway<\/title>/);
      const nodesHtml = await (await fetch(`${gw.base}/nodes`, { headers: { accept: 'text/html' } })).text();
      for (const type of ['edgegw-modbus-device', 'edgegw-can-interface', 'edgegw-dbc-decode']) assert.ok(nodesHtml.includes(`data-template-name="${type}"`), `editor has ${type}`);
      const shared = await fetch(`${gw.base}/resources/@edgegw/node-red-gateway/nodes/dbc-decode.js`);
      assert.equal(shared.status, 200, 'shared editor code served from resources/');

      const msg = await firstMessage(`mqtt://127.0.0.1:${gw.brokerPort}`, 'edge-gateway/+/heartbeat');
      const hb = JSON.parse(msg.payload);
      // the gateway-heartbeat node's figures, through the durable events queue
      assert.equal(hb.queue, 'events');
      assert.equal(typeof hb.uptime.process_s, 'number');
      assert.ok(Math.abs(hb.ts - Date.now()) < 60000, 'heartbeat carries the current time');

      await waitFor('broker connected in /health', async () => ((await (await fetch(`${gw.base}/health`)).json()) as any).broker.connected === true);
      const metrics = await fetch(`${gw.base}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
      const text = await metrics.text();
      assert.match(text, /^edgegw_up 1$/m);
      assert.match(text, /^edgegw_flows_started 1$/m);
      assert.match(text, /^edgegw_broker_connected\{mode="embedded"\} 1$/m);
      assert.match(text, /^edgegw_process_resident_memory_bytes \d+/m);

      const secret = join(gw.userDir, '.credential-secret');
      assert.ok(existsSync(secret), 'credentialSecret generated on first start');
      assert.equal(statSync(secret).mode & 0o777, 0o600);
      assert.ok(existsSync(join(gw.userDir, 'flows.json')), 'default flows copied into the user directory');
    } finally {
      const { code, ms } = await gw.stop('SIGTERM');
      gw.cleanup();
      assert.equal(code, 0, gw.peer.output());
      assert.ok(ms < 10000, `stopped within 10 s (took ${ms} ms)`);
    }
  });

  test('the default flows run the gateway pipeline: Modbus simulator -> device -> MQTT, commands back, CAN replay -> DBC -> MQTT', async () => {
    const gw = await startGatewayProcess();
    const client = mqtt.connect(`mqtt://127.0.0.1:${gw.brokerPort}`, { reconnectPeriod: 200 });
    const seen: Array<{ topic: string; body: any }> = [];
    client.on('message', (topic, payload) => seen.push({ topic, body: JSON.parse(payload.toString()) }));
    try {
      await new Promise<void>((resolve) => client.on('connect', () => client.subscribe('devices/#', () => resolve())));
      const boiler = await waitFor('a good fast scan of the boiler', () => seen.find((m) => m.topic === 'devices/boiler/data' && m.body.group === 'fast' && m.body.values.flow_temp > 0), 20000);
      assert.equal(boiler.body.device_id, 'boiler');
      for (const [tag, q] of Object.entries(boiler.body.quality)) assert.equal(q, 'good', `quality of ${tag}`);
      assert.ok(boiler.body.values.flow_temp >= 55 && boiler.body.values.flow_temp <= 69, `simulated flow temperature ${boiler.body.values.flow_temp}`);
      assert.equal(Math.round(boiler.body.values.flow_temp * 10) / 10, boiler.body.values.flow_temp, 'scaled by 0.1 with no binary noise');
      assert.equal(boiler.body.units.flow_temp, 'degC');

      const can = await waitFor('decoded CAN data', () => seen.find((m) => m.topic === 'devices/plant-can/data' && typeof m.body.values.FlowTemp === 'number'), 20000);
      assert.ok(can.body.frames > 0);
      assert.ok(can.body.values.FlowTemp > 50 && can.body.values.FlowTemp < 70, `decoded FlowTemp ${can.body.values.FlowTemp}`);
      assert.equal(can.body.quality.FlowTemp, 'good');
      assert.ok(['off', 'ignition', 'on', 'lockout'].includes(can.body.labels.BoilerStatus.BurnerState));

      // A command comes back through MQTT, is validated, written, audited, and read back.
      await client.publishAsync('devices/boiler/commands', JSON.stringify({ setpoint: 21.5, pump_on: true }));
      await waitFor('the written setpoint read back', () => seen.find((m) => m.topic === 'devices/boiler/data' && m.body.group === 'slow' && m.body.values.setpoint === 21.5), 20000);
      await waitFor('pump_on read back', () => seen.find((m) => m.topic === 'devices/boiler/data' && m.body.values.pump_on === true), 10000);
      const audit = readFileSync(join(gw.userDir, 'audit.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const sp = audit.find((a) => a.tag === 'setpoint');
      assert.ok(sp, 'the write was audited');
      assert.equal(sp.device, 'boiler');
      assert.equal(sp.new, 21.5);
      assert.equal(sp.ok, true);
      assert.match(sp.actor, /edgegw\.mb\.device/);

      // A bad command: nothing written, and the runtime keeps running.
      await client.publishAsync('devices/boiler/commands', JSON.stringify({ setpoint: 21.0, flow_temp: 10 }));
      await new Promise((r) => setTimeout(r, 1500));
      const after = readFileSync(join(gw.userDir, 'audit.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.ok(!after.some((a) => a.tag === 'setpoint' && a.new === 21), 'a command with a read-only tag writes nothing');

      // every device of the default flows answers within seconds (the MQTT plug's first telemetry
      // may come a little after the Modbus devices' on a loaded machine: 'degraded' until then)
      let h: any;
      await waitFor(
        '/health ok',
        async () => {
          h = await (await fetch(`${gw.base}/health`)).json();
          return h.status === 'ok';
        },
        20_000,
      ).catch(() => undefined);
      assert.equal(h.status, 'ok', JSON.stringify(h.nodes.filter((n: any) => n.state !== 'ok')));
      const types = new Set(h.nodes.map((n: any) => n.type));
      for (const t of ['modbus-connection', 'modbus-device', 'can-interface']) assert.ok(types.has(t), `/health reports ${t}`);
      const metrics = await (await fetch(`${gw.base}/metrics`)).text();
      assert.match(metrics, /^edgegw_modbus_requests_total\{[^}]*\} [1-9]/m);
      assert.match(metrics, /^edgegw_can_frames_received_total\{[^}]*\} [1-9]/m);
    } finally {
      await client.endAsync(true);
      const { code } = await gw.stop();
      gw.cleanup();
      assert.equal(code, 0, gw.peer.output());
    }
  });

  test('user flows survive a restart; --reset-flows restores the defaults and keeps a backup', async () => {
    const userDir = mkdtempSync(join(tmpdir(), 'edgegw-ud-'));
    try {
      let gw = await startGatewayProcess({ userDir });
      const secret1 = readFileSync(join(userDir, '.credential-secret'), 'utf8');
      await gw.stop();
      const flowsFile = join(userDir, 'flows.json');
      const mine = [{ id: 'mytab', type: 'tab', label: 'mine' }];
      writeFileSync(flowsFile, JSON.stringify(mine));

      gw = await startGatewayProcess({ userDir });
      const flows = (await (await fetch(`${gw.base}/flows`)).json()) as any[];
      assert.deepEqual(
        flows.map((n) => n.id),
        ['mytab'],
        'the user edit was kept',
      );
      assert.equal(readFileSync(join(userDir, '.credential-secret'), 'utf8'), secret1, 'the secret is stable across restarts');
      await gw.stop();

      gw = await startGatewayProcess({ userDir, args: ['--reset-flows'] });
      const reset = (await (await fetch(`${gw.base}/flows`)).json()) as any[];
      assert.ok(
        reset.some((n) => n.type === 'mqtt out'),
        'default flows restored',
      );
      assert.ok(
        readdirSync(userDir).some((f) => f.startsWith('flows.json.') && f.endsWith('.bak')),
        'backup kept',
      );
      await gw.stop();
    } finally {
      rmSync(userDir, { recursive: true, force: true });
    }
  });

  test('--log-format json writes Node-RED log lines as JSON', async () => {
    const gw = await startGatewayProcess({ args: ['--log-format', 'json', '--no-broker'] });
    try {
      const h = (await (await fetch(`${gw.base}/health`)).json()) as any;
      assert.equal(h.broker.mode, 'none');
    } finally {
      await gw.stop();
      gw.cleanup();
    }
    const lines = gw.peer
      .output()
      .split('\n')
      .filter((l) => l.trim().startsWith('{'));
    assert.ok(lines.length >= 5, `JSON log lines expected:\n${gw.peer.output()}`);
    const parsed = lines.map((l) => JSON.parse(l));
    assert.ok(
      parsed.some((l) => l.level === 'info' && /Started flows/.test(l.msg)),
      'flow start logged as JSON',
    );
    for (const p of parsed) assert.ok(p.time && p.level && 'msg' in p);
    assert.ok(!/\[info\] Started flows/.test(gw.peer.output()), 'no text log lines');
  });

  test('refuses a non-loopback address without an admin user; with one, the admin API needs a login', async () => {
    const refused = await runCli(['--host', '0.0.0.0', '--port', String(await freePort()), '--user-dir', mkdtempSync(join(tmpdir(), 'edgegw-ud-'))]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /refusing to listen on 0\.0\.0\.0 without admin authentication/);
    assert.match(refused.stderr, /edge-gateway admin add-user NAME/);

    const userDir = mkdtempSync(join(tmpdir(), 'edgegw-ud-'));
    const short = await runCli(['admin', 'add-user', 'plant', '--user-dir', userDir], { input: 'short\n' });
    assert.equal(short.code, 2);
    assert.match(short.stderr, /at least 8 characters/);
    const added = await runCli(['admin', 'add-user', 'plant', '--user-dir', userDir], { input: 'correct horse battery\n' });
    assert.equal(added.code, 0, added.stderr);
    const file = join(userDir, 'edge-gateway.json');
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(stored.adminUsers[0].username, 'plant');
    assert.match(stored.adminUsers[0].password, /^\$2[aby]\$10\$/);
    assert.ok(!readFileSync(file, 'utf8').includes('correct horse'), 'no clear-text password');
    assert.equal(statSync(file).mode & 0o777, 0o600);

    const gw = await startGatewayProcess({ userDir, args: ['--host', '0.0.0.0', '--no-broker'] });
    try {
      assert.equal((await fetch(`${gw.base}/flows`)).status, 401, 'admin API needs a token');
      assert.equal((await fetch(`${gw.base}/health`)).status, 200, '/health stays open for probes');
      const tok = await fetch(`${gw.base}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'plant', password: 'correct horse battery' }),
      });
      assert.equal(tok.status, 200);
      const { access_token } = (await tok.json()) as { access_token: string };
      assert.equal((await fetch(`${gw.base}/flows`, { headers: { authorization: `Bearer ${access_token}` } })).status, 200);
    } finally {
      await gw.stop();
      rmSync(userDir, { recursive: true, force: true });
    }
  });

  test('command-line errors: unknown flag, malformed settings file, --help', async () => {
    const unknown = await runCli(['--prot', '1']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--prot: unknown flag/);

    const dir = mkdtempSync(join(tmpdir(), 'edgegw-cfg-'));
    const bad = join(dir, 'gw.yaml');
    writeFileSync(bad, 'port: 1880\nhost: [oops\n');
    const malformed = await runCli(['--config', bad]);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /gw\.yaml: file: malformed YAML at line \d+, column \d+/);

    const unknownCmd = await runCli(['frobnicate']);
    assert.equal(unknownCmd.code, 2);
    assert.match(unknownCmd.stderr, /unknown command "frobnicate"/);

    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    for (const flag of ['--port', '--host', '--user-dir', '--mqtt-url', '--broker-port', '--no-broker', '--safe', '--config', '--log-format', 'EDGE_GATEWAY_PORT']) {
      assert.ok(help.stdout.includes(flag), `--help lists ${flag}`);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('without node-red installed, the command says exactly what to install', async () => {
    // A copy of the package whose node_modules holds every dependency but node-red.
    const dir = mkdtempSync(join(tmpdir(), 'edgegw-nonr-'));
    try {
      cpSync(join(REPO_ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
      cpSync(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'));
      cpSync(join(REPO_ROOT, 'flows'), join(dir, 'flows'), { recursive: true });
      mkdirSync(join(dir, 'node_modules'));
      for (const name of readdirSync(join(REPO_ROOT, 'node_modules'))) {
        if (name === 'node-red' || name.startsWith('@node-red') || name === '.bin') continue;
        symlinkSync(join(REPO_ROOT, 'node_modules', name), join(dir, 'node_modules', name));
      }
      const { spawnSync } = await import('node:child_process');
      const r = spawnSync(process.execPath, [join(dir, 'dist', 'runtime', 'cli.js'), '--port', String(await freePort()), '--user-dir', join(dir, 'ud'), '--no-broker'], {
        encoding: 'utf8',
        timeout: 30000,
        env: { ...process.env, npm_config_prefix: join(dir, 'no-global') },
      });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /needs the package "node-red"/);
      assert.match(r.stderr, /npm install -g node-red@4/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an external broker (--mqtt-url): the default flow publishes there; /health follows the broker', needPeers(PEER.mosquitto()), async () => {
    const broker = await startMosquitto();
    const gw = await startGatewayProcess({ args: ['--mqtt-url', broker.url] });
    try {
      const msg = await firstMessage(broker.url, 'edge-gateway/+/heartbeat');
      assert.equal(JSON.parse(msg.payload).queue, 'events');
      await waitFor('external broker connected', async () => ((await (await fetch(`${gw.base}/health`)).json()) as any).broker.connected === true);
      const h = (await (await fetch(`${gw.base}/health`)).json()) as any;
      assert.equal(h.broker.mode, 'external');
      assert.equal(h.broker.url, broker.url);

      await broker.stop(); // outage
      await waitFor(
        'broker disconnected in /health',
        async () => {
          const b = (await (await fetch(`${gw.base}/health`)).json()) as any;
          return b.broker.connected === false && b.status === 'degraded';
        },
        20000,
      );
      await broker.restart();
      await waitFor('broker reconnected in /health', async () => ((await (await fetch(`${gw.base}/health`)).json()) as any).broker.connected === true, 30000);
      const again = await firstMessage(broker.url, 'edge-gateway/+/heartbeat');
      assert.equal(JSON.parse(again.payload).queue, 'events');
    } finally {
      await gw.stop();
      gw.cleanup();
      await broker.stop();
    }
  });
});

after(() => undefined);
