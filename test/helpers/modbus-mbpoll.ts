// mbpoll (a libmodbus master) as an independent client of our Modbus server, run asynchronously
// (the server under test lives in this process and must keep answering).
import { execFile } from 'node:child_process';

export type MbpollTable = 'coil' | 'discrete' | 'input' | 'holding';
const TABLE: Record<MbpollTable, string> = { coil: '0', discrete: '1', input: '3', holding: '4' };

export interface MbpollTarget {
  tcp?: { host: string; port: number };
  rtu?: { path: string; baudRate?: number };
  unit: number;
}

export interface MbpollResult {
  code: number | null;
  /** ref -> value for reads (0-based refs) */
  values: Map<number, number>;
  output: string;
}

function args(t: MbpollTarget, table: MbpollTable, ref: number, count: number | undefined, timeoutS: number): string[] {
  const a = ['-a', String(t.unit), '-t', TABLE[table], '-0', '-r', String(ref), ...(count === undefined ? [] : ['-c', String(count)]), '-1', '-o', String(timeoutS)];
  if (t.tcp) return ['-m', 'tcp', '-p', String(t.tcp.port), ...a, t.tcp.host];
  return ['-m', 'rtu', '-b', String(t.rtu!.baudRate ?? 19200), '-P', 'none', '-d', '8', '-s', '1', ...a, t.rtu!.path];
}

function run(argv: string[]): Promise<MbpollResult> {
  return new Promise((resolve) => {
    execFile('mbpoll', argv, { timeout: 15000 }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      const values = new Map<number, number>();
      for (const m of output.matchAll(/^\[(\d+)\]:\s+(-?\d+)/gm)) values.set(Number(m[1]), Number(m[2]));
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, values, output });
    });
  });
}

export function mbpollRead(t: MbpollTarget, table: MbpollTable, ref: number, count: number, timeoutS = 1): Promise<MbpollResult> {
  return run(args(t, table, ref, count, timeoutS));
}

/** Writes registers (holding) or coils; values are numbers (coils: 0/1). */
export function mbpollWrite(t: MbpollTarget, table: 'coil' | 'holding', ref: number, values: number[], timeoutS = 1): Promise<MbpollResult> {
  // no -c: mbpoll takes the count from the values given
  return run([...args(t, table, ref, undefined, timeoutS), ...values.map(String)]);
}
