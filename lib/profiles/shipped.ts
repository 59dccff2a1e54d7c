// The profiles shipped in the package (its profiles/ folder, listed in package.json "files"),
// found from this module's place in the source tree or in dist/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ProfileLibrary, type ProfileFolder } from './library';

const PACKAGE_NAME = '@edgegw/node-red-gateway';

function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
      } catch {
        // a damaged package.json of another package on the way up: keep looking
      }
    }
    if (dirname(dir) === dir) throw new Error(`cannot find the package ${PACKAGE_NAME} above ${from}`);
  }
}

export const SHIPPED_PROFILES_DIR = join(packageRoot(__dirname), 'profiles');

/** The folders of a process: the shipped profiles, then `<userDir>/profiles` (whose ids take precedence). */
export function profileFolders(userDir?: string): ProfileFolder[] {
  const folders: ProfileFolder[] = [{ dir: SHIPPED_PROFILES_DIR, origin: 'package' }];
  if (userDir) folders.push({ dir: join(userDir, 'profiles'), origin: 'user' });
  return folders;
}

let shippedOnly: ProfileLibrary | undefined;

/** The shipped profiles alone (read once): Modbus templates, the simulator. */
export function shippedProfiles(): ProfileLibrary {
  return (shippedOnly ??= new ProfileLibrary(profileFolders()));
}

const SHARED = Symbol.for('edgegw.profiles.libraries');

/**
 * The watched library of a user directory, shared by every node of the process that uses it;
 * `release` closes it when the last user lets go.
 */
export function acquireProfileLibrary(userDir: string | undefined): { library: ProfileLibrary; release: () => void } {
  const g = globalThis as unknown as Record<symbol, Map<string, { library: ProfileLibrary; users: number }> | undefined>;
  const all = (g[SHARED] ??= new Map());
  const key = userDir ?? '';
  let entry = all.get(key);
  if (!entry) {
    const library = new ProfileLibrary(profileFolders(userDir));
    if (userDir) library.watch();
    entry = { library, users: 0 };
    all.set(key, entry);
  }
  entry.users++;
  let released = false;
  const held = entry;
  return {
    library: held.library,
    release: () => {
      if (released) return;
      released = true;
      if (--held.users === 0) {
        held.library.close();
        all.delete(key);
      }
    },
  };
}
