// What is wrong with a profile, and where: the file, the line (1-based, when the text has one)
// and the field as a dotted path (`tags[2].path`), so `edge-gateway profiles check` and a node's
// status can point at the exact spot.

export class ProfileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${file}${line ? `:${line}` : ''} ${field || '(profile)'}: ${reason}`);
    this.name = 'ProfileError';
  }
}

/** Two files declare the same profile id: the later one is refused, the first kept. */
export class DuplicateProfileError extends ProfileError {
  constructor(
    file: string,
    line: number | undefined,
    id: string,
    readonly firstFile: string,
  ) {
    super(file, line, 'id', `profile id '${id}' is already declared by ${firstFile}`);
    this.name = 'DuplicateProfileError';
  }
}

export class ProfileNotFoundError extends Error {
  constructor(
    readonly profile: string,
    readonly known: readonly string[],
  ) {
    super(`no device profile named '${profile}' (known: ${known.join(', ') || 'none'})`);
    this.name = 'ProfileNotFoundError';
  }
}
