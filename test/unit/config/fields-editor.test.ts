// The edit dialog's validators (resources/edgegw-fields.js, built from the field declarations) and
// the runtime's reading of a deployed config agree on every declared field of every node type:
// the same values pass, the same values are refused, and a blank field takes its default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { ConfigFieldError, FieldReader, type FieldSchema, type FieldSpec, type RawConfig } from '../../../lib/config/fields';
import { NODE_FIELDS } from '../../../editor/fields/schemas';

type Validator = (this: RawConfig, value: unknown, opt?: unknown) => boolean | string;
interface EditorFields {
  validator(schema: string, field: string): Validator;
  defaultOf(schema: string, field: string): unknown;
  schemas: Record<string, FieldSchema>;
}

function loadEditorFields(): EditorFields {
  const code = readFileSync(join(__dirname, '..', '..', '..', 'resources', 'edgegw-fields.js'), 'utf8');
  const window: Record<string, unknown> = { RED: { _: (key: string) => `[${key}]` } };
  window.window = window;
  vm.runInNewContext(code, window);
  return window.EdgeGatewayFields as EditorFields;
}

/** A config in which the field counts: whatever its condition asks of another field. */
function contextFor(spec: FieldSpec): RawConfig {
  if (!spec.when) return {};
  return 'ticked' in spec.when ? { [spec.when.field]: true } : { [spec.when.field]: spec.when.in[0] };
}

/** The field's rule variants (none: the field's own rules), each with a config selecting it. */
function variantsOf(spec: FieldSpec): Array<{ context: RawConfig; spec: FieldSpec }> {
  const base = contextFor(spec);
  if (!('variants' in spec) || !spec.variants) return [{ context: base, spec }];
  const { field, cases } = spec.variants;
  return Object.entries(cases)
    .filter(([value]) => !spec.when || 'ticked' in spec.when || spec.when.field !== field || spec.when.in.includes(value))
    .map(([value, variant]) => ({ context: { ...base, [field]: value }, spec: { ...spec, ...variant } as FieldSpec }));
}

/** Boundary and bad values for a field. */
function probes(spec: FieldSpec): unknown[] {
  const common: unknown[] = ['', undefined, null, 'not a number', 'NaN', {}, [1, 2]];
  switch (spec.kind) {
    case 'number':
    case 'integer': {
      const out: unknown[] = [...common, 0, -1, 1, 1.5, '7', ' 7 ', 'Infinity', 1e15];
      for (const bound of [spec.min, spec.max, spec.above]) {
        if (bound === undefined) continue;
        out.push(bound, bound - 1, bound + 1, bound + 0.5, String(bound), `${bound - 1}`);
      }
      for (const v of spec.oneOf ?? []) out.push(v, v + 1, String(v));
      if (spec.default !== undefined) out.push(spec.default, String(spec.default));
      return out;
    }
    case 'enum':
      return [...common, ...spec.values, ...spec.values.map((v) => ` ${v} `), 'no-such-value', spec.values[0].toUpperCase()];
    case 'boolean':
      return [...common, true, false, 'true', 'false', 1, 0];
    case 'string':
      return [...common, 'text', '/abs/path', 'relative', 'a b', '0', 12];
  }
}

function libAccepts(schema: FieldSchema, field: string, raw: RawConfig): boolean {
  try {
    new FieldReader(schema, raw).read(field);
    return true;
  } catch (err) {
    assert.ok(err instanceof ConfigFieldError, String(err));
    assert.match(err.message, new RegExp(`${(schema.fields[field].label ?? field).replace('.', '\\.')}: `), 'the error names the field');
    return false;
  }
}

const editor = loadEditorFields();

test('the built editor file carries the declarations lib has (rebuilt, not stale)', () => {
  assert.deepEqual(JSON.parse(JSON.stringify(editor.schemas)), JSON.parse(JSON.stringify(NODE_FIELDS)));
});

for (const [name, schema] of Object.entries(NODE_FIELDS)) {
  test(`${name}: editor and runtime accept and refuse the same values of every field`, () => {
    for (const [field, spec] of Object.entries(schema.fields)) {
      const validate = editor.validator(name, field);
      for (const variant of variantsOf(spec)) {
        for (const value of probes(variant.spec)) {
          const node = { ...variant.context, [field]: value };
          const where = `${name}.${field} = ${JSON.stringify(value)} in ${JSON.stringify(variant.context)}`;
          const lib = libAccepts(schema, field, node);
          assert.equal(validate.call(node, value), lib, where);
          // with Node-RED's `opt`, a refusal is a message naming the rule (or the field's i18n key)
          const withOpt = validate.call(node, value, { prop: field });
          if (lib) assert.equal(withOpt, true, where);
          else assert.ok(typeof withOpt === 'string' && withOpt.length > 0, where);
        }
      }
      // blank or missing: the default, in both
      const blank = { ...contextFor(spec) };
      assert.equal(validate.call(blank, undefined), true, `${name}.${field} missing`);
      if (spec.kind !== 'string' || !spec.required) {
        assert.equal(validate.call(blank, ''), true, `${name}.${field} blank`);
        assert.deepEqual(new FieldReader(schema, { ...blank, [field]: '' }).read(field), spec.default, `${name}.${field} blank reads its default`);
      }
      assert.deepEqual(editor.defaultOf(name, field), spec.default ?? '', `${name}.${field} editor default`);
    }
  });
}

test('a field that does not count (its condition is off) is never refused', () => {
  for (const [name, schema] of Object.entries(NODE_FIELDS)) {
    for (const [field, spec] of Object.entries(schema.fields)) {
      if (!spec.when) continue;
      const when = spec.when;
      const controlling = schema.fields[when.field];
      const off = 'ticked' in when ? false : controlling.kind === 'enum' ? controlling.values.find((v) => !when.in.includes(v)) : undefined;
      if (off === undefined) continue;
      const other = { [when.field]: off };
      assert.equal(editor.validator(name, field).call(other, 'surely wrong'), true, `${name}.${field}`);
    }
  }
});

test('a cross-field bound follows the other field', () => {
  const validate = editor.validator('circuit-breaker', 'maxOpenTimeout');
  assert.equal(validate.call({ openTimeout: 30 }, 20), false);
  assert.equal(validate.call({ openTimeout: 10 }, 20), true);
  assert.throws(
    () => new FieldReader(NODE_FIELDS['circuit-breaker'], { openTimeout: '30', maxOpenTimeout: '20' }).read('maxOpenTimeout'),
    /maxOpenTimeout: must be >= the open timeout \(30 s\), got 20 s/,
  );
});

test("limits that vary with another field follow it (a forward target's timeout per type)", () => {
  const validate = editor.validator('forward-target', 'timeoutMs');
  assert.equal(validate.call({ kind: 'http' }, 3_600_000), false);
  assert.equal(validate.call({ kind: 'postgres' }, 3_600_000), true);
  assert.equal(validate.call({ kind: 'postgres' }, 50), false);
  assert.equal(validate.call({ kind: 'influxdb' }, 50), true);
  assert.equal(validate.call({ kind: 'mqtt' }, 'surely wrong'), true, 'MQTT has no timeout field');
  assert.throws(() => new FieldReader(NODE_FIELDS['forward-target'], { kind: 'http', timeoutMs: '3600000' }).read('timeoutMs'), /timeoutMs: must be an integer between 1 and 600000, got 3600000/);
});
