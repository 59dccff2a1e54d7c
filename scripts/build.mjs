// Build: compile TypeScript to dist/, then copy each node's editor files (html, locales, icons)
// next to its compiled runtime file, where Node-RED looks for them.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
rmSync(join(root, 'dist'), { recursive: true, force: true });
try {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], {
    stdio: 'inherit',
    cwd: root,
  });
} catch {
  console.error('build failed: TypeScript errors above');
  process.exit(1);
}
// The editor's code, bundled for the browser into resources/ (Node-RED serves a module's resources
// folder at resources/<module>/): each node type's editor (editor/nodes/<kind>.ts, its definition
// and edit dialog, with the shared components and lib modules it uses) as resources/nodes/<kind>.js,
// which the node's .html loads; the renderer of status texts with figures
// (nodes/common/status-text.ts) in the browser's language, which every node's .html loads; and the
// field validators made from lib's field declarations as one global (EdgeGatewayFields), for
// editor code outside this package's nodes.
try {
  const esbuild = require('esbuild');
  const editorNodes = Object.fromEntries(
    readdirSync(join(root, 'editor', 'nodes'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => [`nodes/${f.slice(0, -3)}`, join(root, 'editor', 'nodes', f)]),
  );
  // the editor plugins' code (editor/plugins/<name>.ts), loaded by plugins/<name>/<name>.html
  const editorPlugins = Object.fromEntries(
    readdirSync(join(root, 'editor', 'plugins'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => [`plugins/${f.slice(0, -3)}`, join(root, 'editor', 'plugins', f)]),
  );
  rmSync(join(root, 'resources'), { recursive: true, force: true });
  esbuild.buildSync({
    entryPoints: { ...editorNodes, ...editorPlugins, 'edgegw-fields': join(root, 'editor', 'fields', 'global.ts'), 'status-text': join(root, 'editor', 'status-text.ts') },
    outdir: join(root, 'resources'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2019',
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'warning',
    banner: { js: '// Built by scripts/build.mjs from editor/ and lib/: do not edit.' },
  });
} catch {
  console.error('build failed: editor bundle errors above');
  process.exit(1);
}
const nodesDir = join(root, 'nodes');
for (const type of readdirSync(nodesDir)) {
  const src = join(nodesDir, type);
  if (!statSync(src).isDirectory()) continue;
  for (const entry of readdirSync(src)) {
    if (entry.endsWith('.html') || entry === 'locales' || entry === 'icons') {
      cpSync(join(src, entry), join(root, 'dist', 'nodes', type, entry), { recursive: true });
    }
  }
}
// The editor plugins (package.json node-red.plugins): an html that loads the plugin's bundle,
// and its catalogs, which Node-RED reads from locales/ beside the html (no runtime part).
for (const name of readdirSync(join(root, 'plugins'))) {
  cpSync(join(root, 'plugins', name), join(root, 'dist', 'plugins', name), { recursive: true });
}
// Our icons live once in icons/ (the package ships that folder); Node-RED finds a module's icons
// in an icons/ folder beside each node file, so every node gets a copy.
if (existsSync(join(root, 'icons'))) {
  for (const type of readdirSync(join(root, 'dist', 'nodes'))) {
    if (statSync(join(root, 'dist', 'nodes', type)).isDirectory() && type !== 'common') {
      cpSync(join(root, 'icons'), join(root, 'dist', 'nodes', type, 'icons'), { recursive: true });
    }
  }
}
// Static assets of lib modules (device templates and the like) travel with the compiled code.
// The default flows' function-node bodies and read-me texts are read when the flows are built
// (the runtime builds the flows of a settings file's devices).
for (const [from, to] of [
  ['lib/modbus/templates', 'dist/lib/modbus/templates'],
  ['runtime/default-flows/function-nodes', 'dist/runtime/default-flows/function-nodes'],
  ['runtime/default-flows/readme', 'dist/runtime/default-flows/readme'],
  ['runtime/default-flows/dashboard-widgets', 'dist/runtime/default-flows/dashboard-widgets'],
]) {
  if (existsSync(join(root, from))) cpSync(join(root, from), join(root, to), { recursive: true, filter: (src) => !src.endsWith('.ts') });
}
