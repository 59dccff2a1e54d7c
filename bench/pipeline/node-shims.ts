// Node-RED loads node types from a nodes directory; the benchmarks that run our nodes from source
// (under tsx) give it a one-line shim per type that requires nodes/<type>/<type>, plus its editor
// HTML. Used by bench/pipeline/gateway-process.ts and bench/can-pipeline.bench.ts.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes `<type>.js` and `<type>.html` into dir for each node type of the repository at root. */
export function writeNodeShims(dir: string, root: string, types: readonly string[]): void {
  mkdirSync(dir, { recursive: true });
  for (const type of types) {
    const src = join(root, 'nodes', type, type);
    writeFileSync(join(dir, `${type}.js`), `const m = require(${JSON.stringify(src)});\nmodule.exports = m.default || m;\n`);
    writeFileSync(join(dir, `${type}.html`), readFileSync(`${src}.html`));
  }
}
