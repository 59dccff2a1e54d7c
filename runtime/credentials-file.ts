// Node-RED warns "Encrypted credentials not found" on every start when flows_cred.json is
// missing or holds no encrypted block, which is the normal state of the default flows (they
// have no credentials, so Node-RED never writes the file). We write the encrypted form of "no
// credentials" once, in Node-RED's own format (aes-256-ctr, key sha256(credentialSecret), a
// 16-byte IV as hex before the base64 text), so the runtime starts quiet. A file that holds
// anything else is left alone: it is the user's.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CREDENTIALS_FILE = 'flows_cred.json';

export function encryptCredentials(secret: string, credentials: Record<string, unknown>): { $: string } {
  const key = createHash('sha256').update(secret).digest();
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  return { $: iv.toString('hex') + cipher.update(JSON.stringify(credentials), 'utf8', 'base64') + cipher.final('base64') };
}

/** True when the file was written (it was missing, empty or an empty object). */
export function ensureEncryptedCredentials(userDir: string, secret: string): boolean {
  const file = join(userDir, CREDENTIALS_FILE);
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8').trim();
    let empty = text === '';
    if (!empty) {
      try {
        const data = JSON.parse(text) as unknown;
        empty = !!data && typeof data === 'object' && !Array.isArray(data) && Object.keys(data).length === 0;
      } catch {
        return false; // damaged: Node-RED reports it and falls back to its backup; not ours to overwrite
      }
    }
    if (!empty) return false;
  }
  writeFileSync(file, JSON.stringify(encryptCredentials(secret, {}), null, 4), { mode: 0o600 });
  return true;
}
