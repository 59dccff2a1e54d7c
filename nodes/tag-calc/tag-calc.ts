// tag-calc: derived tags from definitions (`power_kw [kW] = voltage * current * pf / 1000`),
// evaluated in the sandboxed mathjs of lib/expr on every input that changes one of their inputs,
// on an interval, or both. One scan per evaluation, or one tag message per result; optionally
// written into a tag-store.
import type { NodeAPI, Node, NodeDef, NodeMessage, SendFn, DoneFn } from '../common/red';
import { CalcEngine, checkDefinitions, compileDefinitions, ExprError, type CalcProgram } from '../../lib/expr';
import { samplesOf, scanMessage, tagMessage, type TagSample } from '../../lib/tags/contract';
import { healthRegistry } from '../../lib/health/registry';
import { tagStoreNode } from '../tag-store/api';
import { textOf } from '../../lib/system/text/text-of';
import { installShareReadOnly } from '../common/share-read-only';
import { migrateNodeConfig } from '../common/migrations';
import { statusText } from '../common/status-text';

const TRIGGERS = ['input', 'interval', 'both'] as const;
const OUTPUTS = ['scan', 'tag'] as const;

const ROUTE_KEY = Symbol.for('edgegw.calc.checkRoute');

function registerCheckRoute(RED: NodeAPI): void {
  const app: (NonNullable<NodeAPI['httpAdmin']> & { [ROUTE_KEY]?: boolean }) | undefined = RED.httpAdmin;
  if (!app || app[ROUTE_KEY]) return;
  app[ROUTE_KEY] = true;
  const permission = RED.auth?.needsPermission ? RED.auth.needsPermission('flows.write') : (_req: unknown, _res: unknown, next: () => void) => next();
  app.post('/edgegw/calc/check', permission, (req: { body?: { definitions?: unknown } }, res: { json(v: unknown): void }) => {
    res.json(checkDefinitions(req.body?.definitions));
  });
}

export = function (RED: NodeAPI) {
  installShareReadOnly(RED); // this node only reads its input: a message may be shared with it, not copied
  registerCheckRoute(RED);

  function TagCalcNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const trigger = TRIGGERS.find((t) => t === (def.trigger ?? 'input'));
    const output = OUTPUTS.find((o) => o === (def.output ?? 'scan'));
    const intervalS = Number(def.interval ?? 0);
    const device = textOf(def.device || '').trim() || String(def.name || '').trim() || 'calc';
    let program: CalcProgram | undefined;
    let problem: string | undefined;
    let status = { fill: 'red' as const, shape: 'ring' as const, text: statusText({ key: 'tag-calc.status.badConfig' }) };
    try {
      program = compileDefinitions(textOf(def.definitions ?? ''));
    } catch (err) {
      problem = err instanceof ExprError ? `definitions: ${err.message}` : (err as Error).message;
      if (err instanceof ExprError) status = { ...status, text: statusText({ key: 'tag-calc.status.exprError', args: { line: err.line, column: err.column } }) };
    }
    if (!problem && !trigger) problem = `trigger: "${String(def.trigger)}" is not input, interval or both`;
    if (!problem && !output) problem = `output: "${String(def.output)}" is not scan or tag`;
    if (!problem && trigger !== 'input' && !(Number.isFinite(intervalS) && intervalS >= 0.01 && intervalS <= 86400)) {
      problem = `interval: ${String(def.interval)} is not a number of seconds between 0.01 and 86400`;
    }
    const storeId = typeof def.store === 'string' && def.store ? def.store : undefined;
    const store = tagStoreNode((id) => RED.nodes.getNode(id), storeId);
    if (!problem && storeId && !store) problem = `store: tag-store ${storeId} not found`;
    node.on('close', (_removed: boolean, done: () => void) => {
      healthRegistry().remove(node.id);
      done();
    });
    if (problem || !program) {
      node.status(status);
      node.error(problem);
      healthRegistry().report(node.id, 'tag-calc', 'down', { error: problem }, node.name);
      node.on('input', (_msg: NodeMessage, _send: SendFn, done: DoneFn) => done(new Error(problem)));
      return;
    }
    const engine = new CalcEngine(program, { device, missing: def.missing === 'skip' ? 'skip' : 'uncertain', source: `tag-calc:${node.id}` });
    const definitions = program.definitions.length;
    let lastShown = '';
    healthRegistry().report(node.id, 'tag-calc', 'ok', { definitions, device }, node.name);
    const show = (results: TagSample[]) => {
      let notGood = 0;
      for (const r of results) if (r.quality !== 'good') notGood++;
      // status only when what it says changes: a status per evaluation floods the editor
      const key = `${results.length}/${notGood}`;
      if (key === lastShown) return;
      lastShown = key;
      const text = notGood
        ? statusText({ key: 'tag-calc.status.someNotGood', args: { count: results.length, notGood } })
        : statusText({ key: 'tag-calc.status.results', args: { count: results.length } });
      node.status({ fill: notGood ? 'yellow' : 'green', shape: 'dot', text });
    };
    node.status({ fill: 'grey', shape: 'ring', text: statusText({ key: 'tag-calc.status.ready', args: { count: definitions } }) });

    const evaluate = (send: SendFn) => {
      const results = engine.evaluate();
      show(results);
      if (results.length === 0) return;
      if (store) {
        const w = store.write(results);
        if (w.errors) node.warn(`store: ${w.errors[0]}`);
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
          node.error(`evaluation failed: ${(err as Error).message}`);
        }
      }, intervalS * 1000);
    }
    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(timer);
      timer = undefined;
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
