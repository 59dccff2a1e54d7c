// Device passwords for the embedded broker: random, shown once, kept as a salted scrypt hash.
// scrypt because a device password is typed into a device's web page and may be short-lived in
// a config dump: the hash must be slow to brute-force. Verifying costs ~50 ms of one thread-pool
// thread, paid once per connection, never per message.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { DeviceCredential } from './record';

const KEY_LENGTH = 32;
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

function derive(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, KEY_LENGTH, SCRYPT, (err, key) => (err ? reject(err) : resolve(key))));
}

/** 24 random bytes, base64url: 32 characters a device's config page takes. */
export const makeDevicePassword = (): string => randomBytes(24).toString('base64url');

export async function hashDevicePassword(username: string, password: string, now: Date): Promise<DeviceCredential> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt);
  return { algorithm: 'scrypt', salt: salt.toString('base64'), hash: hash.toString('base64'), username, created: now.toISOString() };
}

/** Constant-time in the hash; a malformed stored credential is a mismatch, never a throw. */
export async function passwordMatches(credential: DeviceCredential, password: string): Promise<boolean> {
  if (credential.algorithm !== 'scrypt') return false;
  const expected = Buffer.from(credential.hash, 'base64');
  if (expected.length !== KEY_LENGTH) return false;
  const given = await derive(password, Buffer.from(credential.salt, 'base64'));
  return timingSafeEqual(expected, given);
}

/** Work of the same cost as a real check, for a username nobody has: an attacker cannot tell names apart by time. */
export async function wasteOneCheck(password: string): Promise<false> {
  await derive(password, randomBytes(16));
  return false;
}
