// Node-RED's registry runs `npm -v` (a second Node process: 0.3-0.4 s on a quiet box, seconds on a
// busy one) before it loads a single node, only to learn whether the palette manager may install
// modules. Nothing in loading the nodes or starting the flows needs that answer; the editor's
// palette does. So the check runs beside the loading, and the runtime waits for it before it
// serves the editor. Node-RED laid out differently (no installer module, no checkPrereq): nothing
// changes and the check stays on the path, as in plain Node-RED.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

interface Installer {
  // Node-RED's function does not use `this`: a property, so it may be kept and called alone
  checkPrereq: () => Promise<void> | void;
}

export interface PaletteCheck {
  /** whether the check now runs beside the node loading */
  overlapped: boolean;
  /** settles when the check has answered (at once when it was not overlapped or not started) */
  settled(): Promise<void>;
}

/** The installer module of the Node-RED that `nodeRedDir` holds, as its runtime loads it. */
function installerOf(nodeRedDir: string): Installer | undefined {
  try {
    const fromNodeRed = createRequire(join(nodeRedDir, 'noop.js'));
    // resolved from @node-red/runtime, which is what requires the registry
    const runtimeDir = dirname(fromNodeRed.resolve('@node-red/runtime/package.json'));
    const installer = createRequire(join(runtimeDir, 'noop.js'))('@node-red/registry/lib/installer.js') as Partial<Installer>;
    return typeof installer?.checkPrereq === 'function' ? (installer as Installer) : undefined;
  } catch {
    return undefined;
  }
}

/** Lets Node-RED's next palette check run without holding up the node loading (once). */
export function overlapPaletteCheck(nodeRedDir: string): PaletteCheck {
  const installer = installerOf(nodeRedDir);
  if (!installer) return { overlapped: false, settled: () => Promise.resolve() };
  const original = installer.checkPrereq;
  let pending: Promise<void> = Promise.resolve();
  installer.checkPrereq = () => {
    installer.checkPrereq = original;
    // the original logs its own outcome ("npm not found: palette install disabled") and never rejects
    pending = Promise.resolve(original()).catch(() => undefined);
    return Promise.resolve();
  };
  return { overlapped: true, settled: () => pending };
}
