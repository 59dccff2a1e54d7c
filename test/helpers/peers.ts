// Real peers for tests. A test whose peer is missing skips with a printed reason, except under
// CI=true, where a missing peer is a failure (CI installs every peer in .ci/run).
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

export const IN_CI = process.env.CI === 'true';

/** Whether a command exists on PATH (or at an absolute path). */
export function haveCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v "${cmd}"`], { stdio: 'ignore' }).status === 0;
}

/** Whether /usr/bin/python3 can import the given module. */
export function havePythonModule(mod: string): boolean {
  return spawnSync('/usr/bin/python3', ['-c', `import ${mod}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Returns a reason string when the peer is missing (and the caller should skip), or null when
 * present. Under CI=true a missing peer throws, failing the test.
 */
export function missingPeer(what: string, present: boolean, install: string): string | null {
  if (present) return null;
  const reason = `peer missing: ${what} (install: ${install})`;
  if (IN_CI) throw new Error(`${reason}; CI=true requires every peer`);
  console.log(`# SKIP ${reason}`);
  return reason;
}

/** Options for `test(name, peerOptions(...), fn)`: skip with reason when missing. */
export function needPeers(...reqs: Array<[what: string, present: boolean, install: string]>): { skip?: string } {
  for (const [what, present, install] of reqs) {
    const reason = missingPeer(what, present, install);
    if (reason) return { skip: reason };
  }
  return {};
}

export const PEER = {
  mosquitto: (): [string, boolean, string] => ['mosquitto', haveCommand('mosquitto'), 'apt-get install mosquitto'],
  mosquittoClients: (): [string, boolean, string] => ['mosquitto_sub', haveCommand('mosquitto_sub'), 'apt-get install mosquitto-clients'],
  socat: (): [string, boolean, string] => ['socat', haveCommand('socat'), 'apt-get install socat'],
  // the server module, not just the package: it imports pyserial and serial_asyncio, which the
  // Debian package only recommends (an install without recommends has pymodbus that cannot serve)
  pymodbus: (): [string, boolean, string] => [
    'python3-pymodbus with pyserial and serial_asyncio',
    havePythonModule('pymodbus.server.async_io'),
    'apt-get install python3-pymodbus python3-serial python3-serial-asyncio',
  ],
  mbpoll: (): [string, boolean, string] => ['mbpoll', haveCommand('mbpoll'), 'apt-get install mbpoll'],
  systemdAnalyze: (): [string, boolean, string] => ['systemd-analyze (systemd 250 or later)', haveCommand('systemd-analyze'), 'apt-get install systemd'],
  // the editor screenshot test drives it with playwright-core (no browser download)
  chromium: (): [string, boolean, string] => ['Chromium (/usr/bin/chromium)', haveCommand('/usr/bin/chromium'), 'apt-get install chromium'],
  promtool: (): [string, boolean, string] => ['promtool (Prometheus)', haveCommand('promtool'), 'apt-get install prometheus'],
  canmatrix: (): [string, boolean, string] => ['python3-canmatrix', havePythonModule('canmatrix'), 'apt-get install python3-canmatrix'],
  influxdb: (): [string, boolean, string] => ['influxd (InfluxDB 1.x)', haveCommand('influxd'), 'apt-get install influxdb'],
  postgres: (): [string, boolean, string] => [
    'PostgreSQL 15 server (initdb, pg_ctl)',
    haveCommand('/usr/lib/postgresql/15/bin/initdb') && haveCommand('/usr/lib/postgresql/15/bin/pg_ctl') && (process.getuid?.() !== 0 || haveCommand('runuser')),
    'apt-get install postgresql-15 (or postgresql)',
  ],
};

export type { TestContext };
