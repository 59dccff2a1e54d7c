// Why a Modbus server is not serving (or what it last had to drop), as a code a node status
// translates; the English message stays in ServerStatus.lastError for logs and /health.
export const SERVER_PROBLEM_CODES = [
  'addressInUse',
  'portDenied',
  'addressNotAvailable',
  'listenFailed',
  'serverError',
  'clientNotModbus',
  'clientOverflow',
  'serialNotFound',
  'serialDenied',
  'serialOpenFailed',
  'serialError',
  'serialClosed',
  'storeUnreadable',
  'notSaved',
] as const;

export type ServerProblemCode = (typeof SERVER_PROBLEM_CODES)[number];

export interface ServerProblem {
  readonly code: ServerProblemCode;
  readonly args?: Readonly<Record<string, string | number>>;
}

const errno = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | null)?.code;

/** A TCP listen that failed: the port taken, not allowed, or the address not this machine's. */
export function listenProblem(err: unknown, port: number): ServerProblem {
  const code = errno(err);
  if (code === 'EADDRINUSE') return { code: 'addressInUse', args: { port } };
  if (code === 'EACCES' || code === 'EPERM') return { code: 'portDenied', args: { port } };
  if (code === 'EADDRNOTAVAIL') return { code: 'addressNotAvailable', args: { port } };
  return { code: 'listenFailed', args: { port } };
}

/** A serial port that would not open: missing, not allowed, or another reason. */
export function serialOpenProblem(err: unknown, path: string): ServerProblem {
  const code = errno(err);
  const text = err instanceof Error ? err.message : '';
  if (code === 'ENOENT' || /no such file|ENOENT/i.test(text)) return { code: 'serialNotFound', args: { path } };
  if (code === 'EACCES' || /permission denied|EACCES/i.test(text)) return { code: 'serialDenied', args: { path } };
  return { code: 'serialOpenFailed', args: { path } };
}
