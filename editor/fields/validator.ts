// Edit-dialog validators made from the node types' field declarations: the same rules, limits and
// defaults the runtime applies when it reads the deployed config (lib/config/fields.ts).
import { fieldProblem, type FieldSchema, type RawConfig } from '../../lib/config/fields';
import { NODE_FIELDS } from './schemas';
import { catalogKey } from '../components/i18n';

/** Node-RED's signature for a `defaults` validator: `this` is the node being edited. */
export type FieldValidator = (this: RawConfig, value: unknown, opt?: unknown) => boolean | string;

function schemaOf(schema: string): FieldSchema {
  const found = NODE_FIELDS[schema];
  if (!found) throw new Error(`EdgeGatewayFields: no field schema "${schema}"`);
  return found;
}

/**
 * What the other fields hold: the edit dialog's inputs while it is open (a condition follows the
 * form, not the last saved value), the node's saved properties otherwise.
 */
function currentValues(node: RawConfig, schema: FieldSchema): Record<string, unknown> {
  const values: Record<string, unknown> = { ...node };
  const jq = (globalThis as { $?: (selector: string) => JQueryLike }).$;
  if (typeof jq !== 'function') return values;
  for (const field of Object.keys(schema.fields)) {
    for (const prefix of ['node-input-', 'node-config-input-']) {
      const input = jq(`#${prefix}${field}`);
      if (!input || !input.length) continue;
      values[field] = input.is(':checkbox') ? input.is(':checked') : input.val();
      break;
    }
  }
  return values;
}

interface JQueryLike {
  length: number;
  is(selector: string): boolean;
  val(): unknown;
}

const ENV_REFERENCE = /^\$\{[^}]+\}$/;

/** A `validate` function for one field of one node type's declaration. */
export function validator(schemaName: string, field: string): FieldValidator {
  const schema = schemaOf(schemaName);
  const spec = schema.fields[field];
  if (!spec) throw new Error(`EdgeGatewayFields: no field "${field}" in "${schemaName}"`);
  return function (this: RawConfig, value: unknown, opt?: unknown): boolean | string {
    // Node-RED substitutes an environment variable given as a property's whole value (`${PORT}`)
    // when the flow starts: the runtime checks the value it becomes, as RED.validators do
    if (typeof value === 'string' && ENV_REFERENCE.test(value)) return true;
    const problem = fieldProblem(schema, field, { ...currentValues(this ?? {}, schema), [field]: value });
    if (!problem) return true;
    // Node-RED 3+ passes `opt` and shows a returned text as the field's error
    if (!opt) return false;
    const translate = (globalThis as { RED?: { _?: (key: string) => string } }).RED?._;
    return spec.message && translate ? translate(catalogKey(spec.message)) : problem.message;
  };
}

/** A field's default, for the `value` of a `defaults` entry. */
export function defaultOf(schemaName: string, field: string): unknown {
  const spec = schemaOf(schemaName).fields[field];
  if (!spec) throw new Error(`EdgeGatewayFields: no field "${field}" in "${schemaName}"`);
  return spec.default ?? '';
}

/** `{ value, validate }` for a `defaults` entry: the declared default and its validator. */
export function field(schemaName: string, name: string): { value: unknown; validate: FieldValidator } {
  return { value: defaultOf(schemaName, name), validate: validator(schemaName, name) };
}
