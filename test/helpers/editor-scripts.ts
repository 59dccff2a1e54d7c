// A node type's editor code as Node-RED's editor runs it: the scripts of the node's .html in
// document order, each a `<script src="resources/<module>/<file>">` (served from our built
// resources/ folder) or an inline script.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const RESOURCE_PREFIX = 'resources/@edgegw/node-red-gateway/';

export function editorScripts(kind: string): Array<{ name: string; code: string }> {
  const html = readFileSync(join(root, 'nodes', kind, `${kind}.html`), 'utf8');
  const scripts: Array<{ name: string; code: string }> = [];
  for (const m of html.matchAll(/<script(?: src="([^"]+)"| type="text\/javascript")>([\s\S]*?)<\/script>/g)) {
    const src = m[1];
    if (src === undefined) {
      scripts.push({ name: `${kind}.html (inline)`, code: m[2] });
      continue;
    }
    if (!src.startsWith(RESOURCE_PREFIX)) throw new Error(`${kind}.html loads ${src}, which is not one of our resources`);
    const file = src.slice(RESOURCE_PREFIX.length);
    scripts.push({ name: file, code: readFileSync(join(root, 'resources', file), 'utf8') });
  }
  return scripts;
}
