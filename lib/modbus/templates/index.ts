// Device templates: published register maps shipped as JSON beside this file (the build copies
// them to dist). A template's tags are validated with the same tag-table rules as user tables.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTagTableJson, type AddressNotation } from '../tag-table';
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

const DIR = __dirname;

export function templateNames(): string[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

export function loadTemplate(name: string): DeviceTemplate {
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name) || !templateNames().includes(name)) throw new TemplateNotFoundError(name);
  const doc = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Omit<DeviceTemplate, 'tags'> & { notation?: AddressNotation; tags: unknown[] };
  const tags = parseTagTableJson(doc.tags, { notation: doc.notation ?? 'zero' });
  return {
    name: doc.name,
    manufacturer: doc.manufacturer,
    model: doc.model,
    source: doc.source,
    notes: doc.notes,
    defaults: doc.defaults,
    groups: doc.groups ?? [],
    tags,
  };
}

export function listTemplates(): TemplateSummary[] {
  return templateNames().map((n) => {
    const t = loadTemplate(n);
    return { name: t.name, manufacturer: t.manufacturer, model: t.model, source: t.source, tags: t.tags.length };
  });
}
