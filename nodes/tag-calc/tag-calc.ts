// tag-calc: derived tags from definitions (`power_kw [kW] = voltage * current * pf / 1000`),
// evaluated in the sandboxed mathjs of lib/expr on every input that changes one of their inputs,
// on an interval, or both. One scan per evaluation, or one tag message per result; optionally
// written into a tag-store.
import type { NodeAPI, Node, NodeDef, NodeMessage, SendFn, DoneFn } from '../common/red';
import { CalcEngine, checkDefinitions, compileDefinitions, ExprError, type CalcProgram } from '../../lib/expr';
import { samplesOf, scanMessage, tagMessage, type TagSample } from '../../lib/tags/contract';
import { tagStoreNode } from '../tag-store/api';
import { textOf } from '../../lib/system/text/text-of';
import { installShareReadOnly } from '../common/share-read-only';
import { migrateNodeConfig } from '../common/migrations';
import { LOOK, StatusDisplay } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';
import { registerAdminRoutesOnce } from '../common/admin-routes';
import type { StatusArgs } from '../common/status-text';
import { TelemetryScope } from '../common/telemetry';
import { readFields, type FieldValues } from '../../lib/config/fields';
import { TAG_CALC_FIELDS } from '../../lib/expr/tag-calc-fields';
import { RepeatedErrorLog } from '../common/repeated-errors';

type CalcFields = FieldValues<typeof TAG_CALC_FIELDS.fields>;

interface CalcConfig {
  program: CalcProgram;
  fields: CalcFields;
  device: string;
}

interface CalcConfigProblem {
  problem: string;
  statusKey: string;
  statusArgs?: StatusArgs;
}

/** The node's settings, or the first one that cannot work (a definition's error keeps its line:column for the status). */
function readCalcConfig(def: NodeDef): CalcConfig | CalcConfigProblem {
  const statusKey = 'tag-calc.status.badConfig';
  let program: CalcProgram;
  try {
    program = compileDefinitions(textOf(def.definitions ?? ''));
  } catch (err) {
    if (!(err instanceof ExprError)) return { problem: (err as Error).message, statusKey };
    return { problem: `definitions: ${err.message}`, statusKey: 'tag-calc.status.exprError', statusArgs: { line: err.line, column: err.column } };
  }
  let fields: CalcFields;
  try {
    fields = readFields(TAG_CALC_FIELDS, def);
  } catch (err) {
    return { problem: (err as Error).message, statusKey };
  }
  return { program, fields, device: fields.device || String(def.name || '').trim() || 'calc' };
}

function registerCheckRoute(RED: NodeAPI): void {
  registerAdminRoutesOnce(RED, 'tag-calc.check', (app, permission) => {
    // { definitions, codes? }: with codes: true (the editor) an error carries its code and arguments
    app.post('/edgegw/calc/check', permission('flows.write'), (req: { body?: { definitions?: unknown; codes?: unknown } }, res: { json(v: unknown): void }) => {
      res.json(checkDefinitions(req.body?.definitions, { codes: req.body?.codes === true }));
    });
  });
}

export = function (RED: NodeAPI) {
  installShareReadOnly(RED); // this node only reads its input: a message may be shared with it, not copied
  registerCheckRoute(RED);

  function TagCalcNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const cfg = readCalcConfig(def);
    if ('problem' in cfg) return refuseConfig(node, { kind: 'tag-calc', statusKey: cfg.statusKey, statusArgs: cfg.statusArgs, message: cfg.problem });
    const { program, device } = cfg;
    const { trigger, output, interval: intervalS, missing } = cfg.fields;
    const storeId = typeof def.store === 'string' && def.store ? def.store : undefined;
    const store = tagStoreNode((id) => RED.nodes.getNode(id), storeId);
    if (storeId && !store) return refuseConfig(node, { kind: 'tag-calc', statusKey: 'tag-calc.status.badConfig', message: `store: tag-store ${storeId} not found` });
    const engine = new CalcEngine(program, { device, missing, source: `tag-calc:${node.id}` });
    const definitions = program.definitions.length;
    const telemetry = new TelemetryScope(node, 'tag-calc');
    const status = new StatusDisplay(node);
    // a store that refuses a result refuses it at every evaluation: logged once a minute with a count
    const storeWarnings = new RepeatedErrorLog((line) => node.warn(line));
    const evaluationErrors = new RepeatedErrorLog((line) => node.error(line));
    telemetry.health('ok', { definitions, device });
    const show = (results: TagSample[]) => {
      let notGood = 0;
      for (const r of results) if (r.quality !== 'good') notGood++;
      if (notGood) status.show(LOOK.warning, 'tag-calc.status.someNotGood', { count: results.length, notGood });
      else status.show(LOOK.ok, 'tag-calc.status.results', { count: results.length });
    };
    status.show(LOOK.waiting, 'tag-calc.status.ready', { count: definitions });

    const evaluate = (send: SendFn) => {
      const results = engine.evaluate();
      show(results);
      if (results.length === 0) return;
      if (store) {
        const w = store.write(results);
        if (w.errors) storeWarnings.report(`store: ${w.errors[0]}`);
      }
      if (output === 'scan') send(scanMessage(device, results) as unknown as NodeMessage);
      else for (const r of results) send(tagMessage(r) as unknown as NodeMessage);
    };

    let timer: NodeJS.Timeout | undefined;
    if (trigger !== 'input') {
      timer = setInterval(() => {
        try {
          evaluate((m) => node.send(m));
        } catch (err) {
          evaluationErrors.report(`evaluation failed: ${(err as Error).message}`);
        }
      }, intervalS * 1000);
    }
    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(timer);
      timer = undefined;
      storeWarnings.close();
      evaluationErrors.close();
      telemetry.close();
      done();
    });

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      const samples = samplesOf(msg as { tags?: unknown; tag?: unknown });
      if (samples.length === 0) return done(new Error('msg carries no tag samples (msg.tags of a scan, or msg.tag)'));
      try {
        const changed = engine.update(samples);
        if (changed && trigger !== 'interval') evaluate(send);
        done();
      } catch (err) {
        done(err as Error);
      }
    });
  }

  RED.nodes.registerType('edgegw-tag-calc', TagCalcNode);
};
