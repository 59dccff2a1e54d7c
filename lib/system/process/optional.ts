// Hardware-only packages (socketcan, onoff) are optionalDependencies: a palette install on a
// machine where they did not build must still load every node. They are required here, lazily,
// and a missing one becomes a clear message for the node's status.

export class MissingPackageError extends Error {
  constructor(
    readonly packageName: string,
    cause: unknown,
  ) {
    super(`package "${packageName}" is not installed or failed to load (${(cause as Error)?.message ?? cause}); install it with: npm install ${packageName}`);
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
