// What the API answers when it refuses or fails a request: a status and a JSON body `{ error,
// field? }`, with whatever else the client needs to act on it (the tags of a failed write...).

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** the request part at fault: "query.from", "body.value", "tag.<name>" */
    readonly field?: string,
    /** more of the answer's body (problems, written tags...) */
    readonly extra?: Record<string, unknown>,
    /** headers to send with the answer (Retry-After, WWW-Authenticate) */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): Record<string, unknown> {
    return { error: this.message, ...(this.field ? { field: this.field } : {}), ...this.extra };
  }
}
