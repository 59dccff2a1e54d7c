// Callers' addresses as the guard sees them: one spelling per host (an IPv4 peer of a dual-stack
// socket arrives as ::ffff:a.b.c.d), and whether it is this host.

/** `::ffff:10.0.0.5` -> `10.0.0.5`; anything else unchanged; no address -> "unknown". */
export function normaliseAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1] : address;
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped spellings. */
export function isLoopbackAddress(address: string | undefined): boolean {
  const a = normaliseAddress(address);
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}
