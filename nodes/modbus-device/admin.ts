// Admin endpoints for the modbus-device editor: shipped device templates, and the tag table
// checked and converted by the same code the runtime uses (so the editor never disagrees with
// a deploy).
//   GET  /edgegw/modbus/templates              -> [{ name, manufacturer, model, source, tags }]
//   GET  /edgegw/modbus/templates/:name?notation=zero|one|modicon
//                                              -> { ...template, groups, csv }
//   POST /edgegw/modbus/tag-table  { text, notation, groups?, to?: 'csv'|'json', toNotation? }
//                                              -> { errors, count, requestsPerScan, csv?, json? }
import type { NodeAPI } from '../common/red';
import { packBlocks, planItem, PlannerError } from '../../lib/modbus/poller/planner';
import { NOTATIONS, readTagTable, serializeTagTableCsv, serializeTagTableJson, type AddressNotation } from '../../lib/modbus/tag-table';
import { listTemplates, loadTemplate, TemplateNotFoundError } from '../../lib/modbus/templates';

const KEY = Symbol.for('edgegw.modbus-device.routes');

type Req = { params: Record<string, string>; query: Record<string, unknown>; body?: unknown };
type Res = { json(v: unknown): void; status(code: number): Res };

function notationOf(v: unknown): AddressNotation {
  return typeof v === 'string' && (NOTATIONS as readonly string[]).includes(v) ? (v as AddressNotation) : 'zero';
}

/** Registers the routes once per admin app (Node-RED calls a node module again on every load). */
export function registerTemplateRoutes(RED: NodeAPI): void {
  const app = RED.httpAdmin;
  if (!app) return;
  const g = globalThis as unknown as Record<symbol, WeakSet<object> | undefined>;
  const done = (g[KEY] ??= new WeakSet());
  if (done.has(app)) return;
  done.add(app);
  const read = RED.auth ? RED.auth.needsPermission('modbus-device.read') : (_q: unknown, _s: unknown, next: () => void) => next();

  app.get('/edgegw/modbus/templates', read, (_req: Req, res: Res) => {
    try {
      res.json(listTemplates());
    } catch (err) {
      res.status(500).json({ error: (err as Error).message });
    }
  });

  app.get('/edgegw/modbus/templates/:name', read, (req: Req, res: Res) => {
    try {
      const t = loadTemplate(req.params.name);
      const notation = notationOf(req.query.notation);
      res.json({ ...t, tags: undefined, count: t.tags.length, notation, csv: serializeTagTableCsv(t.tags, { notation }) });
    } catch (err) {
      res.status(err instanceof TemplateNotFoundError ? 404 : 500).json({ error: (err as Error).message });
    }
  });

  app.post('/edgegw/modbus/tag-table', read, (req: Req, res: Res) => {
    const body = (req.body ?? {}) as { text?: unknown; notation?: unknown; groups?: unknown; to?: unknown; toNotation?: unknown; maxGap?: unknown; maxRegisters?: unknown };
    if (typeof body.text !== 'string') {
      res.status(400).json({ error: 'text (the tag table, CSV or JSON) is required' });
      return;
    }
    const notation = notationOf(body.notation);
    const groups = Array.isArray(body.groups) ? body.groups.filter((x): x is string => typeof x === 'string') : undefined;
    const r = readTagTable(body.text, { notation, groups });
    const errors = r.errors.map((e) => ({ line: e.line, entry: e.entry, tag: e.tag, field: e.field, message: e.message }));
    let requestsPerScan: number | undefined;
    if (!errors.length) {
      try {
        const byGroup = new Map<string, typeof r.tags>();
        for (const t of r.tags) {
          const k = t.group ?? '';
          byGroup.set(k, [...(byGroup.get(k) ?? []), t]);
        }
        requestsPerScan = 0;
        for (const list of byGroup.values())
          requestsPerScan += packBlocks(list.map(planItem), { maxGap: Number(body.maxGap ?? 10) || 0, maxRegisters: Number(body.maxRegisters ?? 125) || 125 }).length;
      } catch (err) {
        if (!(err instanceof PlannerError || err instanceof RangeError)) throw err;
        errors.push({ line: undefined, entry: undefined, tag: err instanceof PlannerError ? err.tag : undefined, field: 'type', message: err.message });
      }
    }
    const out: Record<string, unknown> = { errors, count: r.tags.length, requestsPerScan };
    if (!errors.length) {
      const toNotation = body.toNotation === undefined ? notation : notationOf(body.toNotation);
      if (body.to === 'csv') out.csv = serializeTagTableCsv(r.tags, { notation: toNotation });
      if (body.to === 'json') out.json = serializeTagTableJson(r.tags, { notation: toNotation });
    }
    res.json(out);
  });
}
