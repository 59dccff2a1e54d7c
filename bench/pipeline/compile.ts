// The gateway process of the pipeline benchmark runs compiled JavaScript with our whole package
// loaded as a module, as the product runs dist/ (under tsx, through shims, only the node types of
// the flow would load, and the memory measured would not be the product's). This transforms the TypeScript the
// gateway loads (lib/, nodes/, runtime/, bench/pipeline/) file by file with esbuild (tsx's own
// compiler, no bundling: the module graph stays that of dist/) into .bench-cache/pipeline-js/,
// inside the repository so that node_modules resolves as from dist/. Editor files and data files
// (html, locales, templates) are copied beside them.
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
export const COMPILED = join(ROOT, '.bench-cache', 'pipeline-js');
const SOURCES = ['lib', 'nodes', 'runtime', join('bench', 'pipeline'), join('bench', 'scale'), join('bench', 'shared')];

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

/** Compiles into COMPILED; returns the compiled path of a source file, or throws why it cannot. */
export function compileForBench(): (source: string) => string {
  const esbuild = require('esbuild') as typeof import('esbuild');
  rmSync(COMPILED, { recursive: true, force: true });
  for (const top of SOURCES) {
    for (const file of files(join(ROOT, top))) {
      const out = join(COMPILED, relative(ROOT, file));
      mkdirSync(dirname(out), { recursive: true });
      if (file.endsWith('.d.ts')) continue;
      if (file.endsWith('.ts')) {
        const { code } = esbuild.transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'cjs', target: 'node20', sourcefile: file });
        writeFileSync(out.replace(/\.ts$/, '.js'), code);
      } else cpSync(file, out);
    }
  }
  // the package's node-red section, pointing at the compiled nodes: Node-RED loads this directory
  // (settings.nodesDir) as a module, every node type with its locales, as the runtime loads dist/
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; 'node-red': { version: string; nodes: Record<string, string> } };
  const nodes = Object.fromEntries(Object.entries(pkg['node-red'].nodes).map(([type, file]) => [type, file.replace(/^dist\//, '')]));
  writeFileSync(join(COMPILED, 'package.json'), JSON.stringify({ name: pkg.name, version: pkg.version, private: true, 'node-red': { ...pkg['node-red'], nodes } }, null, 2));
  if (statSync(join(ROOT, 'icons'), { throwIfNoEntry: false })) {
    for (const type of Object.keys(nodes)) cpSync(join(ROOT, 'icons'), join(COMPILED, 'nodes', type, 'icons'), { recursive: true });
  }
  return (source: string) => join(COMPILED, relative(ROOT, source)).replace(/\.ts$/, '.js');
}
