import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveWatchdogConfig, systemdNotifyIntervalMs, SYSTEMD_NOTIFY_FLOOR_MS } from '../../../lib/watchdog';
import { ConfigFieldError as WatchdogConfigError } from '../../../lib/config/fields';

test('watchdog settings: defaults, learning when no key is listed, and errors naming the field', () => {
  assert.deepEqual(resolveWatchdogConfig({}), { keyBy: 'topic', keys: [], learn: true, timeoutMs: 30_000, badIsSilence: false, devicePath: undefined, systemd: false, keepaliveMs: 5000 });
  const c = resolveWatchdogConfig({ keyBy: 'tag', keys: 'a\nb 2s', timeout: '1.5', hardware: true, devicePath: '', keepalive: '0.5', systemd: true });
  assert.deepEqual(c, {
    keyBy: 'tag',
    keys: [{ key: 'a' }, { key: 'b', timeoutMs: 2000 }],
    learn: false,
    timeoutMs: 1500,
    badIsSilence: false,
    devicePath: '/dev/watchdog',
    systemd: true,
    keepaliveMs: 500,
  });
  const field = (s: Record<string, unknown>) => {
    try {
      resolveWatchdogConfig(s);
    } catch (e) {
      assert.ok(e instanceof WatchdogConfigError);
      return e.field;
    }
    return undefined;
  };
  assert.equal(field({ keyBy: 'host' }), 'keyBy');
  assert.equal(field({ learn: false }), 'keys');
  assert.equal(field({ timeout: '0' }), 'timeout');
  assert.equal(field({ keepalive: 'often' }), 'keepalive');
  assert.equal(field({ hardware: true, devicePath: 'dev/watchdog' }), 'devicePath');
});

test('the keepalive is at least 0.05 s; systemd is notified at most once a second, or a quarter of WatchdogSec', () => {
  assert.throws(
    () => resolveWatchdogConfig({ keepalive: '0.01', systemd: true }),
    (e: unknown) => e instanceof WatchdogConfigError && e.field === 'keepalive' && /0\.05/.test(e.message),
  );
  assert.equal(resolveWatchdogConfig({ keepalive: '0.05', hardware: true }).keepaliveMs, 50);
  assert.equal(systemdNotifyIntervalMs(50), SYSTEMD_NOTIFY_FLOOR_MS);
  assert.equal(systemdNotifyIntervalMs(50, Number.NaN), 1000, 'WATCHDOG_USEC unset');
  assert.equal(systemdNotifyIntervalMs(5000), 5000, 'a keepalive over the floor is kept');
  assert.equal(systemdNotifyIntervalMs(50, 2_000_000), 500, 'WatchdogSec=2s: every 0.5 s');
  assert.equal(systemdNotifyIntervalMs(300, 400_000), 300, 'never faster than the keepalive');
});
