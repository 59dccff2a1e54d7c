// Errors of the codec: each names the message and, where there is one, the signal.

export class DbcEncodeError extends Error {
  constructor(
    readonly messageName: string,
    readonly signalName: string | undefined,
    reason: string,
  ) {
    super(`cannot encode ${messageName}${signalName !== undefined ? `.${signalName}` : ''}: ${reason}`);
    this.name = 'DbcEncodeError';
  }
}
