// The tag table's types (lib/modbus/types.ts) take `Area` from the Modbus line's contract
// (lib/modbus/line/types.ts), which names Node's EventEmitter in a type-only import: no bundle
// keeps it, but this browser-only check (no Node types) has to resolve the name. The editor uses
// nothing of the line, so the class is declared with nothing in it.
declare module 'node:events' {
  export class EventEmitter {}
}
