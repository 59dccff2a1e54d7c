// What an alarm node's config asks for: its fields (fields.ts) and its rule table, from the edit
// dialog or from a file under the user directory. Every error names where: the field, or the
// rule table's origin with its line and field.
import { readFields, type FieldValues, type RawConfig } from '../config/fields';
import { FILE_LIMITS, readBoundedText } from '../system/fs/bounded-read';
import { underUserDir } from '../system/fs/user-dir';
import { ALARM_FIELDS } from './fields';
import { parseRuleTable, type AlarmRule } from './rules';

export type AlarmFields = FieldValues<typeof ALARM_FIELDS.fields>;

export interface AlarmNodeConfig {
  fields: AlarmFields;
  rules: AlarmRule[];
  /** the active list's database file, resolved against the user directory */
  dbPath: string;
}

/** The node's settings and rules; throws naming the field, or the rule table's origin, line and field. */
export function readAlarmConfig(raw: RawConfig, userDir: string): AlarmNodeConfig {
  const fields = readFields(ALARM_FIELDS, raw);
  let text: string;
  let origin = 'rules';
  if (fields.rulesSource === 'file') {
    const file = underUserDir(fields.rulesFile, userDir);
    origin = `rulesFile ${file}`;
    try {
      text = readBoundedText(file, { maxBytes: FILE_LIMITS.rules });
    } catch (err) {
      throw new Error(`rulesFile: ${(err as Error).message}`);
    }
  } else text = typeof raw.rules === 'string' ? raw.rules : '';
  try {
    return { fields, rules: parseRuleTable(text, fields.cooldownSec * 1000), dbPath: underUserDir(fields.dbFile, userDir) };
  } catch (err) {
    throw new Error(`${origin}: ${(err as Error).message}`);
  }
}
