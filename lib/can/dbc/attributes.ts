// Attribute definitions, defaults and values (BA_DEF_, BA_DEF_DEF_, BA_). Objects carry their
// effective attributes: the definition's default overlaid with the BA_ value, ENUM values as
// their labels, so users read attributes.GenMsgSendType === 'Cyclic', not an index.
import type { DbcWarning } from './errors';
import type { RawAttributeDefinition } from './statements';
import type { DbcAttributeDefinition, DbcAttributeValue, DbcObjectType } from './types';

/** Sets a key even when it is "__proto__" (attribute names come from the file). */
export function setAttribute(attrs: Record<string, DbcAttributeValue>, name: string, value: DbcAttributeValue): void {
  Object.defineProperty(attrs, name, { value, enumerable: true, writable: true, configurable: true });
}

export class DbcAttributeTable {
  readonly definitions = new Map<string, DbcAttributeDefinition>();

  constructor(private readonly warnings: DbcWarning[]) {}

  define(raw: RawAttributeDefinition): void {
    if (this.definitions.has(raw.name)) {
      this.warnings.push({ line: raw.line, message: `attribute "${raw.name}" is defined twice; the later BA_DEF_ wins` });
    }
    const def: DbcAttributeDefinition = { name: raw.name, objectType: raw.objectType, type: raw.type };
    if (raw.min !== undefined) def.min = raw.min;
    if (raw.max !== undefined) def.max = raw.max;
    if (raw.enumValues) def.enumValues = raw.enumValues;
    this.definitions.set(raw.name, def);
  }

  setDefault(name: string, value: number | string, line: number): void {
    const def = this.definitions.get(name);
    if (!def) {
      this.warnings.push({ line, message: `BA_DEF_DEF_ for attribute "${name}" which has no BA_DEF_; ignored` });
      return;
    }
    def.default = this.normalise(def, value, line);
  }

  /** Effective defaults of every attribute defined for this kind of object. */
  defaultsFor(objectType: DbcObjectType): Record<string, DbcAttributeValue> {
    const attrs: Record<string, DbcAttributeValue> = {};
    for (const def of this.definitions.values()) {
      if (def.objectType === objectType && def.default !== undefined) setAttribute(attrs, def.name, def.default);
    }
    return attrs;
  }

  /** A BA_ value in its effective form (ENUM index -> label, numbers for numeric types). */
  value(name: string, objectType: DbcObjectType, value: number | string, line: number): DbcAttributeValue {
    const def = this.definitions.get(name);
    if (!def) {
      this.warnings.push({ line, message: `attribute "${name}" has no BA_DEF_; value kept as written` });
      return value;
    }
    if (def.objectType !== objectType) {
      this.warnings.push({ line, message: `attribute "${name}" is defined for ${def.objectType} objects but set on a ${objectType}` });
    }
    return this.normalise(def, value, line);
  }

  private normalise(def: DbcAttributeDefinition, value: number | string, line: number): DbcAttributeValue {
    switch (def.type) {
      case 'STRING':
        return typeof value === 'string' ? value : String(value);
      case 'ENUM': {
        const labels = def.enumValues ?? [];
        if (typeof value === 'number') {
          if (Number.isInteger(value) && value >= 0 && value < labels.length) return labels[value];
          this.warnings.push({ line, message: `value ${value} of ENUM attribute "${def.name}" has no label (${labels.length} labels); kept as a number` });
          return value;
        }
        if (!labels.includes(value) && value !== '') {
          const asIndex = Number(value);
          if (value.trim() !== '' && Number.isInteger(asIndex) && asIndex >= 0 && asIndex < labels.length) return labels[asIndex];
          this.warnings.push({ line, message: `"${value}" is not one of the labels of ENUM attribute "${def.name}"` });
        }
        return value;
      }
      default: {
        if (typeof value === 'number') return value;
        const n = Number(value);
        if (value.trim() !== '' && Number.isFinite(n)) return n;
        this.warnings.push({ line, message: `"${value}" is not a number for ${def.type} attribute "${def.name}"; kept as text` });
        return value;
      }
    }
  }

  list(): DbcAttributeDefinition[] {
    return [...this.definitions.values()];
  }
}

/** Vector's VFrameFormat numbering, for files that define the attribute as INT. */
const FD_FRAME_FORMATS = new Set([14, 15]);

export function isFdFrameFormat(value: DbcAttributeValue | undefined): boolean {
  if (value === undefined) return false;
  if (typeof value === 'number') return FD_FRAME_FORMATS.has(value);
  return /CAN_FD$/i.test(value);
}
