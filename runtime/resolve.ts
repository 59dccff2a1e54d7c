// The runtime's own packages (node-red, its express and bcryptjs, js-yaml, aedes) are not
// dependencies of the palette package: a palette install must not pull a second Node-RED into
// the user's directory. They are resolved here from the install tree: the repo's devDependencies
// after `npm install`, the `@edgegw/edge-gateway` distribution's tree (it calls
// addRuntimeSearchPath), or packages installed globally beside us
// (`npm install -g node-red@4 aedes @edgegw/node-red-gateway`).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';

/**
 * The gateway cannot start for a reason the user can fix: no stack trace. Exit code 1 when the
 * machine is in the way (port in use), 2 when the user's input is (unusable user directory,
 * damaged flows file without a usable backup).
 */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

export class RuntimeDependencyError extends Error {
  constructor(
    readonly packageName: string,
    readonly install: string,
  ) {
    super(`edge-gateway needs the package "${packageName}", which is not installed.\nInstall it with:\n  ${install}`);
    this.name = 'RuntimeDependencyError';
  }
}

const INSTALL_HINT: Record<string, string> = {
  'node-red': 'npm install -g @edgegw/edge-gateway   (the runtime with Node-RED 4.1; or npm install -g node-red@4 beside this package; in a clone of the repository: npm install)',
  aedes: 'npm install -g aedes   (or run with --no-broker / --mqtt-url URL to use an external broker)',
};

/**
 * Further places to resolve the runtime's packages from, searched after our own tree and before
 * npm's global root. The `@edgegw/edge-gateway` distribution's bin adds its own directory: its
 * node-red and aedes are installed under it, where this package (a sibling global package, or
 * nested beside them) may not see them.
 */
const runtimeSearchPaths: string[] = [];
export function addRuntimeSearchPath(dir: string): void {
  if (!runtimeSearchPaths.includes(dir)) runtimeSearchPaths.push(dir);
}

let globalRoot: string | null | undefined;
function npmGlobalRoot(): string | null {
  if (globalRoot !== undefined) return globalRoot;
  try {
    globalRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10000 }).trim() || null;
  } catch {
    globalRoot = null;
  }
  return globalRoot;
}

/** Where a package's package.json is: our own tree first, then added search paths, then npm's global root. */
export function resolvePackageJson(name: string, from: string = __dirname): string {
  try {
    return require.resolve(`${name}/package.json`, { paths: [from, ...runtimeSearchPaths] });
  } catch {
    const root = npmGlobalRoot();
    if (root) {
      try {
        return require.resolve(`${name}/package.json`, { paths: [root, join(root, 'node_modules')] });
      } catch {
        /* fall through to the error below */
      }
    }
    throw new RuntimeDependencyError(name, INSTALL_HINT[name] ?? `npm install -g ${name}`);
  }
}

export function nodeRedDir(): string {
  return dirname(resolvePackageJson('node-red'));
}

/** Loads a package the runtime needs: our own tree, then node-red's tree, then global. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- callers name the slice they use; the default serves the untyped Node-RED packages
export function requireRuntimePackage<T = any>(name: string): T {
  const attempts: string[] = [__dirname, ...runtimeSearchPaths];
  try {
    const nr = nodeRedDir();
    attempts.push(nr, join(nr, 'node_modules', '@node-red', 'nodes'));
    attempts.push(dirname(require.resolve('@node-red/nodes/package.json', { paths: [nr] })));
  } catch {
    /* node-red absent: only our own tree */
  }
  for (const from of attempts) {
    try {
      return createRequire(join(from, 'noop.js'))(name) as T;
    } catch {
      /* try the next place */
    }
  }
  const pj = resolvePackageJson(name); // throws RuntimeDependencyError with the install hint
  return createRequire(pj)(dirname(pj)) as T;
}
