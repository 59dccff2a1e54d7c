// The operator API in the real edge-gateway runtime with its default flows, as a client on this
// host meets it: the document, the simulated boiler's tags, a setpoint written through the
// device's command path (read back, in the audit trail as the API's), a read-only tag refused,
// a user tag of the tag store, devices and queues, /api/health answering as /health does, and
// the historian's samples as CSV.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway';
import { waitFor } from '../helpers/process';

let gw: GatewayProcess | undefined;
after(async () => {
  await gw?.stop();
  gw?.cleanup();
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; type: string; json: any; text: string }> {
  const r = await fetch(`${gw!.base}/api${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, type: r.headers.get('content-type') ?? '', json, text };
}

test('the default flows serve the operator API at /api', async () => {
  gw = await startGatewayProcess();
  const context = (err: unknown) => {
    throw new Error(`${(err as Error).message}\n${gw!.peer.output()}`);
  };
  const doc = await api('GET', '/openapi.json');
  assert.equal(doc.status, 200, doc.text);
  assert.equal(doc.json.openapi, '3.1.0');

  await waitFor(
    'the boiler polled',
    async () => (await api('GET', '/tags?device=boiler')).json?.some((t: { name: string; quality: string }) => t.name === 'setpoint' && t.quality === 'good'),
    30000,
  ).catch(context);
  const setpoint = await api('GET', '/tags/boiler/setpoint');
  assert.equal(setpoint.status, 200);
  assert.equal(setpoint.json.unit, 'degC');

  const put = await api('PUT', '/tags/boiler/setpoint', { value: 23 });
  assert.equal(put.status, 200, put.text);
  assert.deepEqual([put.json.tags[0].tag, put.json.tags[0].written, put.json.tags[0].readBack?.value], ['setpoint', 23, 23]);
  const refused = await api('POST', '/devices/boiler/write', { setpoint: 24, flow_temp: 90 });
  assert.equal(refused.status, 422);
  assert.equal(refused.json.field, 'tag.flow_temp');
  assert.equal((await api('GET', '/tags/boiler/setpoint')).json.value, 23, 'nothing of the refused request was written');

  const tariff = await api('PUT', '/tags/user/tariff', { value: 0.31 });
  assert.equal(tariff.status, 200, tariff.text);
  assert.equal((await api('GET', '/tags/user/tariff')).json.value, 0.31);

  const audit = await api('GET', '/audit?kind=write');
  assert.ok(
    audit.json.some((r: Record<string, unknown>) => r.actor === 'api:loopback' && r.device === 'boiler' && r.tag === 'setpoint' && r.new === 23 && r.ok === true),
    audit.text,
  );

  const devices = await api('GET', '/devices');
  assert.deepEqual(devices.json.map((d: { device: string }) => d.device).sort(), ['boiler', 'meter', 'plug']);
  const queues = await api('GET', '/queues');
  assert.ok(queues.json.length >= 1 && queues.json.every((q: Record<string, unknown>) => typeof q.depth === 'number'), queues.text);

  // the same report on both paths; read as a pair until a pair agrees, since the gateway's status
  // may move between two reads (a component still starting goes from degraded to ok)
  let pair: { status: [number, number]; json: [{ status: string; runtime: { version: string } }, { status: string; runtime: { version: string } }] } | undefined;
  await waitFor(
    '/health and /api/health to give one report',
    async () => {
      const health = await fetch(`${gw!.base}/health`);
      const apiHealth = await api('GET', '/health');
      pair = { status: [apiHealth.status, health.status], json: [apiHealth.json, (await health.json()) as { status: string; runtime: { version: string } }] };
      return pair.status[0] === pair.status[1] && pair.json[0].status === pair.json[1].status;
    },
    20000,
    200,
  ).catch(() => undefined);
  assert.equal(pair!.status[0], pair!.status[1]);
  assert.equal(pair!.json[0].status, pair!.json[1].status);
  assert.equal(pair!.json[0].runtime.version, pair!.json[1].runtime.version);

  await waitFor('the history has the boiler', async () => (await api('GET', '/history?tag=boiler/flow_temp')).json?.length > 0, 20000).catch(context);
  const csv = await api('GET', '/history?tag=boiler/flow_temp&step=1000&agg=max&format=csv');
  assert.equal(csv.status, 200);
  assert.match(csv.type, /^text\/csv/);
  assert.match(csv.text, /^tag,ts,time,value,quality,count\nboiler\/flow_temp,\d+,/);

  const bad = await api('GET', '/history?tag=boiler/flow_temp&agg=median');
  assert.deepEqual([bad.status, bad.json.field], [400, 'query.agg']);
});

test("the runtime answers the API before Express, and leaves what is not the API's to Express", async () => {
  assert.ok(gw, 'the gateway of the first test runs');
  const direct = await api('GET', '/tags/boiler/setpoint');
  // /API/... is not taken by the runtime's exact match; Express's case-insensitive mount still reaches the API
  const viaExpress = await fetch(`${gw.base}/API/tags/boiler/setpoint`);
  assert.equal(viaExpress.status, 200);
  assert.deepEqual(Object.keys((await viaExpress.json()) as object).sort(), Object.keys(direct.json).sort());
  const unknown = await api('GET', '/no-such-route');
  assert.equal(unknown.status, 404);
  assert.doesNotMatch(unknown.type, /json/, "a path the document does not have is Node-RED's 404, not the API's");
  const dotted = await fetch(`${gw.base}/api/../health`);
  assert.equal(dotted.status, (await fetch(`${gw.base}/health`)).status, 'a dot-segment path is left to Express');
  const editor = await fetch(`${gw.base}/`);
  assert.equal(editor.status, 200, 'the editor is served');
});
