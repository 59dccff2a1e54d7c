// Hardware-only packages (socketcan, onoff) are optionalDependencies: a palette install on a
// machine where they did not build must still load every node. They are required here, lazily,
// and a missing one becomes a clear message for the node's status, with the command that fixes it
// (native-parts.ts: install it when absent, rebuild it with its prerequisites when its add-on failed).
import { isNotInstalled, NATIVE_PART_NAMES, nativePartFix } from './native-parts';

export class MissingPackageError extends Error {
  constructor(
    readonly packageName: string,
    cause: unknown,
  ) {
    const native = (NATIVE_PART_NAMES as readonly string[]).includes(packageName);
    const fix = native ? nativePartFix(packageName, !isNotInstalled(packageName, cause)) : `npm install ${packageName}`;
    super(`package "${packageName}" is not installed or failed to load (${String((cause as Error)?.message ?? cause).split('\n')[0]}); fix: ${fix}`);
    this.name = 'MissingPackageError';
  }
}

export function loadOptional<T = unknown>(packageName: string): T {
  try {
    return require(packageName) as T;
  } catch (err) {
    throw new MissingPackageError(packageName, err);
  }
}
