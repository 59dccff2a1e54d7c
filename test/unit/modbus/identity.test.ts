// The identity check (lib/modbus/poller/identity.ts) against a pymodbus TCP server: comparison
// rules, the re-check cadence (first cycle, every N cycles, after recheck(), every cycle while not
// ok), a string serial, a read error, and the poller's gate making every tag bad on a mismatch.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createModbusLine } from '../../../lib/modbus/line/line';
import type { ModbusLine } from '../../../lib/modbus/line/types';
import { IdentityCheck, identityMatches, identityText } from '../../../lib/modbus/poller/identity';
import { DevicePoller } from '../../../lib/modbus/poller/poller';
import { resolveDeviceConfig } from '../../../lib/modbus/poller/config';
import { parseTagTableCsv } from '../../../lib/modbus/tag-table';
import { needPeers, PEER } from '../../helpers/peers';
import { startTypedPeer, type TypedPeer } from '../../helpers/modbus-typed-peer';

const TABLE = `name,area,address,type,order,scale,offset,unit,access,group
temp,holding,0,int16,,0.1,,°C,r,
serial,holding,10,uint32,,,,,r,
model,holding,20,string:4,,,,,r,
ghost,holding,150,uint16,,,,,r,
`;
const tags = parseTagTableCsv(TABLE);
const tag = (name: string) => tags.find((t) => t.name === name)!;

describe('identity comparison', () => {
  test('numbers compare numerically, strings without trailing blanks and NULs', () => {
    assert.equal(identityMatches(12345, '12345'), true);
    assert.equal(identityMatches(12345, ' 12345.0 '), true);
    assert.equal(identityMatches(12345, '12346'), false);
    assert.equal(identityMatches(12345, ''), false);
    assert.equal(identityMatches(2n ** 60n, String(2n ** 60n)), true);
    assert.equal(identityMatches('SDM630\0\0 ', 'SDM630'), true);
    assert.equal(identityMatches('SDM630', 'sdm630'), false);
    assert.equal(identityMatches(true, 'true'), true);
    assert.equal(identityMatches(null, '0'), false);
    assert.equal(identityText('GW-1\0\0'), 'GW-1');
  });

  test('resolveDeviceConfig names the identity fields it refuses', () => {
    const base = { tags: TABLE };
    assert.equal(resolveDeviceConfig(base).identity, undefined);
    const ok = resolveDeviceConfig({ ...base, identityTag: ' serial ', identityEquals: 12345 }).identity!;
    assert.deepEqual([ok.tag.name, ok.equals, ok.every], ['serial', '12345', 10]);
    assert.throws(() => resolveDeviceConfig({ ...base, identityTag: 'sn', identityEquals: '1' }), /identityTag: no tag named 'sn' in the tag table/);
    assert.throws(() => resolveDeviceConfig({ ...base, identityTag: 'serial' }), /identityEquals: the identity tag 'serial' needs the value it must have/);
    assert.throws(() => resolveDeviceConfig({ ...base, identityTag: 'serial', identityEquals: '1', identityEvery: 'often' }), /identityEvery: must be a whole number/);
    assert.throws(() => resolveDeviceConfig({ ...base, identityTag: 7 }), /identityTag: must be a tag name/);
  });
});

describe('IdentityCheck against pymodbus', needPeers(PEER.pymodbus()), () => {
  let peer: TypedPeer;
  let line: ModbusLine;
  before(async () => {
    peer = await startTypedPeer({ transport: 'tcp', units: { 1: { holding: 100 } } });
    line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port: peer.port! }, timeoutMs: 3000 });
  });
  after(async () => {
    await line?.close();
    await peer?.stop();
  });

  test('checks on the first cycle, every N cycles after, at once after recheck(); writes wait for a match', async () => {
    await peer.encode(1, 'holding', 10, 'uint32', 'ABCD', 12345);
    const id = new IdentityCheck(line, 1, tag('serial'), '12345', 3);
    assert.match(String(id.writeBlock()), /identity not verified yet: serial has not been read/);
    assert.equal(await id.gate(), undefined);
    assert.deepEqual(id.snapshot(), { verdict: 'ok', actual: '12345', checks: 1 });
    assert.equal(id.writeBlock(), undefined);
    // cycles 2 and 3 trust the last check; cycle 4 reads again
    await id.gate();
    await id.gate();
    assert.equal(id.snapshot().checks, 1);
    await peer.encode(1, 'holding', 10, 'uint32', 'ABCD', 777);
    assert.equal(await id.gate(), 'identity mismatch: serial is 777, expected 12345');
    assert.equal(id.snapshot().checks, 2);
    assert.equal(id.writeBlock(), 'identity mismatch: serial is 777, expected 12345');
    // while mismatched, every cycle checks
    assert.equal(await id.gate(), 'identity mismatch: serial is 777, expected 12345');
    assert.equal(id.snapshot().checks, 3);
    await peer.encode(1, 'holding', 10, 'uint32', 'ABCD', 12345);
    assert.equal(await id.gate(), undefined);
    assert.equal(id.snapshot().verdict, 'ok');
    // recheck() (a reconnect) reads on the next cycle whatever the count
    id.recheck();
    await id.gate();
    assert.equal(id.snapshot().checks, 5);
    // several groups asking at once share one read
    id.recheck();
    const [a, b] = await Promise.all([id.gate(), id.gate()]);
    assert.deepEqual([a, b, id.snapshot().checks], [undefined, undefined, 6]);
  });

  test('a string identity; an unreadable identity blocks a device never verified', async () => {
    await peer.encode(1, 'holding', 20, 'string:4', 'ABCD', 'GW-1');
    assert.equal(await new IdentityCheck(line, 1, tag('model'), 'GW-1').gate(), undefined);
    assert.equal(await new IdentityCheck(line, 1, tag('model'), 'GW-2').gate(), 'identity mismatch: model is GW-1, expected GW-2');
    const ghost = new IdentityCheck(line, 1, tag('ghost'), '1');
    assert.match(String(await ghost.gate()), /^identity check failed: ghost could not be read: .*/);
    assert.equal(ghost.snapshot().verdict, 'unreadable');
    assert.match(String(ghost.writeBlock()), /identity check failed: ghost/);
  });

  test('the poller gate: a mismatch makes every tag of the cycle bad and reads nothing else', async () => {
    await peer.set(1, 'holding', 0, [215]);
    await peer.encode(1, 'holding', 10, 'uint32', 'ABCD', 1);
    const id = new IdentityCheck(line, 1, tag('serial'), '12345');
    const poller = new DevicePoller({ line, unit: 1, device: 'meter', tags: tags.filter((t) => t.name !== 'ghost'), groups: [{ name: 'g', intervalMs: 1000 }], gate: () => id.gate() });
    const bad = (await poller.pollGroup('g'))!;
    assert.equal(bad.requests, 0, 'no tag read from the wrong device');
    assert.deepEqual(
      bad.samples.map((s) => [s.name, s.quality, s.value, s.error]),
      [
        ['temp', 'bad', null, 'identity mismatch: serial is 1, expected 12345'],
        ['serial', 'bad', null, 'identity mismatch: serial is 1, expected 12345'],
        ['model', 'bad', null, 'identity mismatch: serial is 1, expected 12345'],
      ],
    );
    await peer.encode(1, 'holding', 10, 'uint32', 'ABCD', 12345);
    const good = (await poller.pollGroup('g'))!;
    assert.deepEqual(
      good.samples.map((s) => [s.name, s.quality]),
      [
        ['temp', 'good'],
        ['serial', 'good'],
        ['model', 'good'],
      ],
    );
    assert.equal(good.samples[0].value, 21.5);
    poller.stop();
  });
});
