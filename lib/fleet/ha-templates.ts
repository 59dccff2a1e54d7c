// The value_template of each discovered entity: reads one value out of a JSON state message the
// way Home Assistant renders it, so that
// - a message without the value (the boiler's fast and slow poll groups both publish
//   devices/boiler/data, each with its own tags) leaves the entity's state as it was, with no
//   "Template variable warning" in HA's log;
// - a failed read (null) or a value of the wrong type makes the state unknown.
//
// Why these forms do that, from home-assistant/core:
// - helpers/template: the environment's undefined logs "Template variable warning" when it is
//   printed, iterated (`in`) or tested for truth, and raises on indexing. The `is mapping`
//   test and `in` on a real mapping touch no undefined, so the guard below never logs, whatever
//   the message holds (not JSON, no "values", not an object). The rendered text is stripped.
// - components/mqtt/sensor.py (_update_state): a result of "None" sets the state unknown; an
//   empty result is ignored ("Ignore empty state", debug only) when the sensor expects a number,
//   which every sensor with a unit or a state_class does (ours always have a state_class). A
//   sensor without one (a text tag) takes "" as its new state, so a text sensor renders its
//   current state instead (`this.state`, the entity's own state that
//   components/mqtt/models.py MqttValueTemplate passes as `this`).
// - components/mqtt/binary_sensor.py (_state_message_received): an empty (or blank) result is
//   ignored with a debug line; "None" sets unknown; anything else but payload_on/payload_off
//   ("ON"/"OFF") is logged and ignored.

/** What the entity shows: a number (sensor with a state_class), on/off (binary_sensor) or text (sensor). */
export type TemplateKind = 'number' | 'boolean' | 'text';

/** HA's result for "unknown" (PAYLOAD_NONE in components/mqtt/const.py). */
const UNKNOWN = "'None'";

/**
 * The template that renders value_json[path[0]][path[1]]...: the value when it is of the kind,
 * "None" when it is not (null after a failed read), and nothing (the state stays) when the
 * message does not carry it.
 */
export function valueTemplate(kind: TemplateKind, path: readonly [string, ...string[]]): string {
  const guard: string[] = [];
  let container = 'value_json';
  for (const key of path) {
    const literal = jinjaString(key);
    guard.push(`${container} is mapping and ${literal} in ${container}`);
    container = `${container}[${literal}]`;
  }
  const read = `{% if ${guard.join(' and ')} %}{% set v = ${container} %}`;
  switch (kind) {
    case 'number':
      return `${read}{{ v if v is number and v is not boolean else ${UNKNOWN} }}{% endif %}`;
    case 'boolean':
      return `${read}{{ ('ON' if v else 'OFF') if v is boolean else ${UNKNOWN} }}{% endif %}`;
    case 'text':
      return `${read}{{ ${UNKNOWN} if v is none else v }}{% else %}{{ this.state }}{% endif %}`;
  }
}

/** A text as a Jinja string literal: tag names may hold dots, spaces, quotes and backslashes. */
export function jinjaString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
