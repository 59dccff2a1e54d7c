// The load client of bench/api.bench.ts, in its own process so that its work is not the
// server's: GETs one URL over keep-alive connections (node:http agents) for a while and prints
// what it saw as one JSON line: requests, seconds, non-200 answers, latency percentiles.
// argv: url, connections, seconds; env BENCH_AUTHORIZATION: the Authorization header to send
import { Agent, request } from 'node:http';

const [url, connectionsText, secondsText] = process.argv.slice(2);
const connections = Number(connectionsText);
const seconds = Number(secondsText);
const agent = new Agent({ keepAlive: true, maxSockets: connections });
const headers: Record<string, string> = process.env.BENCH_AUTHORIZATION ? { authorization: process.env.BENCH_AUTHORIZATION } : {};
const latencies: number[] = [];
let failed = 0;

function one(): Promise<void> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = request(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200) failed++;
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        resolve();
      });
    });
    req.on('error', () => {
      failed++;
      resolve();
    });
    req.end();
  });
}

async function worker(until: number): Promise<void> {
  while (Date.now() < until) await one();
}

async function main(): Promise<void> {
  // warm the connections and the server's code paths before counting
  const warm = Date.now() + 500;
  await Promise.all(Array.from({ length: connections }, () => worker(warm)));
  latencies.length = 0;
  failed = 0;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: connections }, () => worker(t0 + seconds * 1000)));
  const elapsed = (Date.now() - t0) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  agent.destroy();
  process.stdout.write(JSON.stringify({ requests: sorted.length, seconds: elapsed, failed, p50: at(0.5), p99: at(0.99) }) + '\n');
}

void main();
