// A real InfluxDB 1.x (Debian `influxdb`) on loopback ports of its own, data in a temp dir; it
// can be killed and started again on the same ports (an outage mid-stream).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startProcess, waitFor, type Peer } from './process';

export interface Influxd {
  url: string;
  port: number;
  /** runs an InfluxQL statement (POST /query), returns the parsed JSON */
  query(q: string, db?: string): Promise<InfluxQueryResult>;
  /** the rows of a SELECT as objects keyed by column */
  select(q: string, db: string): Promise<Array<Record<string, unknown>>>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** stop and remove the data directory */
  dispose(): Promise<void>;
}

export interface InfluxQueryResult {
  results: Array<{ error?: string; series?: Array<{ name: string; columns: string[]; values: unknown[][]; tags?: Record<string, string> }> }>;
}

/** `auth`: authentication on, with this admin user (created through the first, open query). */
export async function startInfluxd(opts: { auth?: { user: string; password: string } } = {}): Promise<Influxd> {
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-influx-'));
  const port = await freePort();
  const rpcPort = await freePort();
  const conf = execFileSync('influxd', ['config'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .split('/var/lib/influxdb')
    .join(dir)
    .replace(/^bind-address = .*$/m, `bind-address = "127.0.0.1:${rpcPort}"`)
    .replace(/(\[http\][\s\S]*?)bind-address = "[^"]*"/, `$1bind-address = "127.0.0.1:${port}"`)
    .replace(/query-log-enabled = true/g, 'query-log-enabled = false')
    .replace(/(\[monitor\][\s\S]*?)store-enabled = true/, '$1store-enabled = false')
    .replace(/reporting-disabled = false/, 'reporting-disabled = true')
    .replace(/auth-enabled = false/, `auth-enabled = ${opts.auth ? 'true' : 'false'}`);
  const confPath = join(dir, 'influxdb.conf');
  writeFileSync(confPath, conf);
  const url = `http://127.0.0.1:${port}`;
  let peer: Peer;
  const launch = async () => {
    peer = startProcess('influxd', ['-config', confPath]);
    await waitFor(
      `influxd on ${url}/ping (output: ${peer.output().slice(-500)})`,
      async () => {
        if (peer.proc.exitCode !== null) throw Object.assign(new Error(`influxd exited: ${peer.output().slice(-1000)}`), { fatal: true });
        const res = await fetch(`${url}/ping`).catch(() => undefined);
        return res?.status === 204;
      },
      30000,
      100,
    );
  };
  await launch();
  let creatingAdmin = false;
  const query = async (q: string, db?: string): Promise<InfluxQueryResult> => {
    const body = new URLSearchParams({ q, ...(db ? { db } : {}), epoch: 'ms' });
    const headers: Record<string, string> = opts.auth && !creatingAdmin ? { Authorization: `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.password}`).toString('base64')}` } : {};
    const res = await fetch(`${url}/query`, { method: 'POST', body, headers });
    const json = (await res.json()) as InfluxQueryResult;
    const err = json.results?.find((r) => r.error)?.error;
    if (!res.ok || err) throw new Error(`influx query ${q}: HTTP ${res.status} ${err ?? JSON.stringify(json)}`);
    return json;
  };
  if (opts.auth) {
    // InfluxDB 1.x accepts one unauthenticated query while no user exists: the admin's creation.
    creatingAdmin = true;
    await query(`CREATE USER "${opts.auth.user}" WITH PASSWORD '${opts.auth.password}' WITH ALL PRIVILEGES`);
    creatingAdmin = false;
  }
  return {
    url,
    port,
    query,
    async select(q, db) {
      const json = await query(q, db);
      const rows: Array<Record<string, unknown>> = [];
      for (const series of json.results[0]?.series ?? []) {
        for (const values of series.values) {
          const row: Record<string, unknown> = { measurement: series.name, ...series.tags };
          series.columns.forEach((c, i) => (row[c] = values[i]));
          rows.push(row);
        }
      }
      return rows;
    },
    async stop() {
      await peer.stop('SIGKILL');
    },
    async restart() {
      await peer.stop('SIGKILL');
      await launch();
    },
    async dispose() {
      await peer.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
