// PUT /tags/{device}/{tag} and POST /devices/{device}/write: a device's tags go through the
// device's own command path (validated all-or-nothing, identity checked, queued, audited, the
// same as an MQTT command); a tag store's user tags through the store's setUserTag, every value
// checked before the first is set. The answer says what was written and read back; a refusal
// names the tag and the reason.
import { WriteError, WriteValidationError, type WriteProblem } from '../modbus/writes';
import { WriteRefusedError, type ApiDirectory, type ApiTagSource, type DeviceWriteAnswer } from './directory';
import { ApiError } from './errors';

/** The reason of a store's TagValueError (lib/tags/store-config), or the message of anything else. */
function reasonOf(err: unknown): string {
  const e = err as { reason?: unknown; message?: unknown };
  return typeof e.reason === 'string' ? e.reason : String(e.message ?? err);
}

function isA<T extends Error>(err: unknown, type: abstract new (...args: never[]) => T): err is T {
  return err instanceof type || (err instanceof Error && err.name === type.name);
}

function refused(problems: WriteProblem[], message: string): ApiError {
  return new ApiError(422, message, `tag.${problems[0].tag}`, { problems });
}

function writeUserTags(store: ApiTagSource, values: Readonly<Record<string, unknown>>, actor: string): DeviceWriteAnswer {
  const names = Object.keys(values);
  const problems: WriteProblem[] = [];
  for (const name of names) {
    try {
      store.checkUserTag(name, values[name]);
    } catch (err) {
      problems.push({ tag: name, reason: reasonOf(err) });
    }
  }
  // the one refused value is audited as refused (setUserTag records it), and nothing is set
  if (problems.length) {
    const first = problems[0];
    try {
      store.setUserTag(first.tag, values[first.tag], actor);
    } catch {
      // expected: the same refusal, now in the audit trail
    }
    throw refused(problems, new WriteValidationError(problems).message);
  }
  const tags = names.map((name) => {
    const old = store.read(`${store.userDevice}/${name}`)?.value ?? null;
    const sample = store.setUserTag(name, values[name], actor);
    return { tag: name, requested: values[name], written: sample.value, old, readBack: { value: sample.value, quality: sample.quality, ts: sample.ts } };
  });
  return { device: store.userDevice, outcome: 'written', tags, warnings: [] };
}

/** Writes `values` to `device` as `actor`; throws ApiError with the status that fits the refusal. */
export async function writeTags(directory: ApiDirectory, device: string, values: Readonly<Record<string, unknown>>, actor: string): Promise<DeviceWriteAnswer> {
  const store = directory.list('tagStores').find((s) => s.userDevice === device);
  if (store) return writeUserTags(store, values, actor);
  const target = directory.list('devices').find((d) => d.device === device);
  if (!target)
    throw new ApiError(
      404,
      `no device '${device}' (known: ${
        directory
          .list('devices')
          .map((d) => d.device)
          .join(', ') || 'none'
      })`,
      'path.device',
    );
  let answer: DeviceWriteAnswer;
  try {
    answer = await target.write(values, actor);
  } catch (err) {
    // by name: a device node may run from another copy of lib/ (a palette install beside the runtime)
    if (isA(err, WriteValidationError)) throw refused(err.problems, err.message);
    if (isA(err, WriteRefusedError)) throw new ApiError(409, err.message, 'path.device');
    if (isA(err, WriteError)) throw new ApiError(502, err.message, `tag.${err.failed[0]}`, { failed: err.failed, written: err.written, notAttempted: err.notAttempted });
    throw new ApiError(503, (err as Error).message, 'path.device');
  }
  if (answer.outcome === 'superseded')
    throw new ApiError(409, 'a later write of the same tags replaced this one before it was sent; nothing of it was written', 'path.device', { outcome: 'superseded' });
  return answer;
}
