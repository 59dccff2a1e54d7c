// The native parts of this package: packages with a compiled add-on that a palette install may
// fail to build (no compiler, no Python, a Node version without prebuilt binaries). Every node
// still loads; what each missing part turns off, and the one command that brings it back, is said
// once when the nodes load (nodes/common/native-parts-notice.ts) and in the dependents' statuses.
// The probe requires each part once, on first ask, and keeps the answer for the process.

export const NATIVE_PART_NAMES = ['sqlite3', 'serialport', 'socketcan', 'onoff'] as const;
export type NativePartName = (typeof NATIVE_PART_NAMES)[number];

export interface NativePart {
  /** what stops working without it, in words */
  features: string;
  /** the node kinds that depend on it */
  dependents: readonly string[];
}

export const NATIVE_PARTS: Readonly<Record<NativePartName, NativePart>> = {
  sqlite3: {
    features: 'durable store & forward queues, and SQLite persistence of tag stores, stats, alarms and the modbus server (they keep state in memory)',
    dependents: ['store-forward', 'tag-store', 'stats', 'alarm', 'modbus-server'],
  },
  serialport: { features: 'serial lines: Modbus RTU and slcan CAN adapters', dependents: ['modbus-connection', 'modbus-server', 'can-interface'] },
  socketcan: { features: 'SocketCAN interfaces (can0, vcan0)', dependents: ['can-interface'] },
  onoff: { features: 'GPIO lines: gpio-in and gpio-out', dependents: ['gpio-in', 'gpio-out'] },
};

/** Build prerequisites of a native add-on on Debian, Ubuntu and Raspberry Pi OS. */
export const BUILD_PREREQUISITES = 'sudo apt-get install build-essential python3';

export interface MissingNativePart {
  name: NativePartName;
  /** why it did not load (the require error) */
  reason: string;
  /** not installed at all (npm install brings it), or installed but its add-on did not load (npm rebuild) */
  installed: boolean;
  features: string;
  dependents: readonly string[];
  /** the shell command that brings it back, run where Node-RED keeps its modules */
  fix: string;
}

/** The command that makes `name` load again: install it when absent, rebuild it when its add-on failed. */
export function nativePartFix(name: string, installed: boolean, userDir = '~/.node-red'): string {
  return installed ? `${BUILD_PREREQUISITES} && cd ${userDir} && npm rebuild ${name}` : `cd ${userDir} && npm install ${name}`;
}

/**
 * True when `err` says the package `name` itself is absent: "Cannot find module 'sqlite3'" (or
 * with no name), not a file inside it ('.../node_sqlite3.node') nor an add-on that failed to load.
 */
export function isNotInstalled(name: string, err: unknown): boolean {
  const m = /^Cannot find module(?: '([^']*)')?/.exec(err instanceof Error ? err.message : String(err));
  return m !== null && (m[1] === undefined || m[1] === name);
}

export type PartLoader = (name: NativePartName) => unknown;

/** Requires each native part; the ones that fail, with what they turn off and the fix. */
export function probeNativeParts(load: PartLoader = (name) => require(name), userDir?: string): MissingNativePart[] {
  const missing: MissingNativePart[] = [];
  for (const name of NATIVE_PART_NAMES) {
    try {
      load(name);
    } catch (err) {
      const installed = !isNotInstalled(name, err);
      const reason = String((err as Error)?.message ?? err).split('\n')[0];
      missing.push({ name, reason, installed, ...NATIVE_PARTS[name], fix: nativePartFix(name, installed, userDir) });
    }
  }
  return missing;
}

let probed: MissingNativePart[] | undefined;

/** probeNativeParts, run once per process on first ask. */
export function missingNativeParts(): readonly MissingNativePart[] {
  probed ??= probeNativeParts();
  return probed;
}

/** The one line said at load: which parts are missing, what is off, and the fix of each; undefined when none is. */
export function nativePartsNotice(missing: readonly MissingNativePart[]): string | undefined {
  if (missing.length === 0) return undefined;
  const parts = missing.map((m) => `${m.name} ${m.installed ? 'did not load' : 'is not installed'} (${m.reason}): off: ${m.features}; fix: ${m.fix}`);
  return `native parts missing: ${parts.join(' | ')}`;
}
