// The profiles a process knows: those shipped in the package and those in the user directory's
// profiles/ folder, read at start and again when that folder changes (fs.watch, debounced).
// A file that fails to read is refused with its ProfileError, and what was loaded from it before
// stays in use: a broken edit never takes away a profile that running devices depend on.
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, join } from 'node:path';
import { DuplicateProfileError, ProfileError, ProfileNotFoundError } from './errors';
import { parseProfile } from './parse';
import { summarize, type DeviceProfile, type ProfileOrigin, type ProfileSummary } from './types';

export const PROFILE_FILE = /\.(ya?ml|json)$/i;

export interface ProfileFolder {
  dir: string;
  origin: ProfileOrigin;
}

interface Loaded {
  profile: DeviceProfile;
  text: string;
}

export interface ProfileLibraryEvents {
  /** ids whose profile was added, changed or removed by a reload */
  changed: [ids: string[]];
  /** files refused by a reload (also kept in refusals()) */
  refused: [errors: ProfileError[]];
}

export class ProfileLibrary extends EventEmitter<ProfileLibraryEvents> {
  private byId = new Map<string, Loaded>();
  private refusedNow: ProfileError[] = [];
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly folders: readonly ProfileFolder[],
    private readonly debounceMs = 250,
  ) {
    super();
    // every device node of a process listens to one shared library
    this.setMaxListeners(0);
    this.reload();
  }

  /** Reads every folder again; returns the ids that changed. */
  reload(): string[] {
    const next = new Map<string, Loaded>();
    const refused: ProfileError[] = [];
    const keptFiles = new Set<string>();
    for (const folder of this.folders) {
      const own = new Map<string, string>();
      for (const file of profileFiles(folder.dir)) {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (err) {
          refused.push(new ProfileError(file, undefined, '', `cannot read: ${(err as Error).message}`));
          this.keepPrevious(file, next, keptFiles);
          continue;
        }
        try {
          const profile = parseProfile(text, file, folder.origin);
          const first = own.get(profile.id);
          if (first) throw new DuplicateProfileError(file, undefined, profile.id, first);
          own.set(profile.id, file);
          // a user's profile of a shipped id takes its place: users adapt shipped profiles by copying them
          next.set(profile.id, { profile, text });
        } catch (err) {
          if (!(err instanceof ProfileError)) throw err;
          refused.push(err);
          this.keepPrevious(file, next, keptFiles);
        }
      }
    }
    const changed: string[] = [];
    for (const [id, l] of next) if (this.byId.get(id)?.text !== l.text) changed.push(id);
    for (const id of this.byId.keys()) if (!next.has(id)) changed.push(id);
    this.byId = next;
    this.refusedNow = refused;
    if (refused.length) this.emit('refused', refused);
    if (changed.length) this.emit('changed', changed);
    return changed;
  }

  private keepPrevious(file: string, next: Map<string, Loaded>, kept: Set<string>): void {
    for (const [id, l] of this.byId) {
      if (l.profile.file === file && !next.has(id) && !kept.has(file)) {
        next.set(id, l);
        kept.add(file);
      }
    }
  }

  get(id: string): DeviceProfile | undefined {
    return this.byId.get(id)?.profile;
  }

  /** The profile, or ProfileNotFoundError naming the known ones. */
  require(id: string): DeviceProfile {
    const p = this.get(id);
    if (!p) throw new ProfileNotFoundError(id, this.ids());
    return p;
  }

  ids(): string[] {
    return [...this.byId.keys()].sort();
  }

  list(): ProfileSummary[] {
    return this.ids().map((id) => summarize(this.byId.get(id)!.profile));
  }

  /** The files the last reload refused, and why. */
  refusals(): readonly ProfileError[] {
    return this.refusedNow;
  }

  /** The refusal of the file that holds (or last held) profile `id`, if the last reload refused it. */
  refusalOf(id: string): ProfileError | undefined {
    const file = this.byId.get(id)?.profile.file;
    return this.refusedNow.find((e) => e.file === file || basename(e.file).replace(PROFILE_FILE, '') === id);
  }

  /** Watches the user folders (created when missing); changes reload after a quiet `debounceMs`. */
  watch(): void {
    if (this.watchers.length) return;
    for (const folder of this.folders) {
      if (folder.origin !== 'user') continue;
      mkdirSync(folder.dir, { recursive: true });
      const w = watch(folder.dir, () => this.scheduleReload());
      w.on('error', () => undefined);
      this.watchers.push(w);
    }
  }

  private scheduleReload(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      try {
        this.reload();
      } catch (err) {
        this.emit('refused', [new ProfileError(this.folders.map((f) => f.dir).join(', '), undefined, '', (err as Error).message)]);
      }
    }, this.debounceMs);
  }

  close(): void {
    clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.watchers = [];
    this.removeAllListeners();
  }
}

export function profileFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && PROFILE_FILE.test(e.name) && !e.name.startsWith('.'))
    .map((e) => join(dir, e.name))
    .sort();
}
