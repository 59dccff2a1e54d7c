// Admin endpoints for the modbus-device editor: shipped device templates, and the tag table
// checked and converted by the same code the runtime uses (lib/modbus/poller/table-check.ts).
//   GET  /edgegw/modbus/templates              -> [{ name, manufacturer, model, source, tags }]
//   GET  /edgegw/modbus/templates/:name?notation=zero|one|modicon
//                                              -> { ...template, groups, csv }
//   POST /edgegw/modbus/tag-table  { text, notation, groups?, to?: 'csv'|'json', toNotation? }
//                                              -> { errors, count, requestsPerScan, csv?, json? }
// Every text is English, with a code and arguments beside it that the editor translates (each
// error's code and args; a refused request's { error, code, args }, modbus-device.request.<code>).
import type { NodeAPI } from '../common/red';
import { registerAdminRoutesOnce } from '../common/admin-routes';
import { serializeTagTableCsv } from '../../lib/modbus/tag-table';
import { checkTagTable, notationOf, type TagTableCheckRequest } from '../../lib/modbus/poller/table-check';
import { listTemplates, loadTemplate, templateNames, TemplateNotFoundError } from '../../lib/modbus/templates';

type Req = { params: Record<string, string>; query: Record<string, unknown>; body?: unknown };
type Res = { json(v: unknown): void; status(code: number): Res };

export function registerTemplateRoutes(RED: NodeAPI): void {
  registerAdminRoutesOnce(RED, 'modbus-device.templates', (app, permission) => {
    const read = permission('modbus-device.read');

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
        if (err instanceof TemplateNotFoundError) res.status(404).json({ error: err.message, code: 'templateNotFound', args: { name: err.template, known: templateNames().join(', ') } });
        else res.status(500).json({ error: (err as Error).message });
      }
    });

    app.post('/edgegw/modbus/tag-table', read, (req: Req, res: Res) => {
      const body = (req.body ?? {}) as Partial<TagTableCheckRequest>;
      if (typeof body.text !== 'string') {
        res.status(400).json({ error: 'text (the tag table, CSV or JSON) is required', code: 'textRequired', args: {} });
        return;
      }
      res.json(checkTagTable({ ...body, text: body.text }));
    });
  });
}
