// Device templates: published register maps, shipped as the package's Modbus device profiles
// (profiles/*.json, protocol modbus, read by lib/profiles). A template's tags are validated with
// the same tag-table rules as user tables.
import { parseTagTableJson } from '../tag-table';
import { shippedProfiles } from '../../profiles/shipped';
import type { ModbusProfile } from '../../profiles/types';
import type { TagDef } from '../types';

export interface TemplateGroup {
  name: string;
  interval: number;
}

export interface DeviceTemplate {
  name: string;
  manufacturer: string;
  model: string;
  /** the published document the register map comes from */
  source: string;
  notes?: string;
  defaults?: Record<string, unknown>;
  groups: TemplateGroup[];
  tags: TagDef[];
}

export interface TemplateSummary {
  name: string;
  manufacturer: string;
  model: string;
  source: string;
  tags: number;
}

export class TemplateNotFoundError extends Error {
  constructor(readonly template: string) {
    super(`no device template named '${template}' (known: ${templateNames().join(', ')})`);
    this.name = 'TemplateNotFoundError';
  }
}

export function templateNames(): string[] {
  return modbusProfiles().map((p) => p.id);
}

export function loadTemplate(name: string): DeviceTemplate {
  const p = modbusProfiles().find((x) => x.id === name);
  if (!p) throw new TemplateNotFoundError(name);
  return {
    name: p.id,
    manufacturer: p.manufacturer ?? '',
    model: p.model ?? p.name,
    source: p.source ?? '',
    notes: p.notes,
    defaults: p.defaults,
    groups: p.groups,
    tags: parseTagTableJson(p.tags, { notation: p.notation }),
  };
}

export function listTemplates(): TemplateSummary[] {
  return templateNames().map((n) => {
    const t = loadTemplate(n);
    return { name: t.name, manufacturer: t.manufacturer, model: t.model, source: t.source, tags: t.tags.length };
  });
}

/** The shipped Modbus profiles (profiles/*.json of protocol modbus) are the device templates. */
function modbusProfiles(): ModbusProfile[] {
  const library = shippedProfiles();
  return library.ids().flatMap((id) => {
    const p = library.get(id);
    return p?.protocol === 'modbus' ? [p] : [];
  });
}
