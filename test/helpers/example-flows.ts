// What an example flow needs from its surroundings, and the one adaptation the examples-import
// test makes: an example that talks to "this Node-RED" names its default editor port 1880, and the
// test's Node-RED listens on an ephemeral port.

export interface FlowNode {
  id: string;
  type: string;
  z?: string;
  name?: unknown;
  once?: unknown;
  repeat?: unknown;
  crontab?: unknown;
  [key: string]: unknown;
}

const THIS_NODE_RED = /\b(https?:\/\/(?:127\.0\.0\.1|localhost)):1880\b/g;

/** The example with http://127.0.0.1:1880 pointed at `editorPort`, and a note per changed node. */
export function adaptExample(flow: FlowNode[], opts: { editorPort: number }): { flow: FlowNode[]; notes: string[] } {
  const notes: string[] = [];
  const adapted = flow.map((node) => {
    const changed: string[] = [];
    const rewrite = (value: unknown, path: string): unknown => {
      if (typeof value === 'string') {
        const next = value.replace(THIS_NODE_RED, `$1:${opts.editorPort}`);
        if (next !== value) changed.push(path);
        return next;
      }
      if (Array.isArray(value)) return value.map((v, i) => rewrite(v, `${path}[${i}]`));
      if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v, path ? `${path}.${k}` : k)]));
      return value;
    };
    const out = rewrite(node, '') as FlowNode;
    if (changed.length) notes.push(`${node.type} ${node.id}: ${changed.join(', ')} address this Node-RED at its default port 1880; pointed at the test's editor port ${opts.editorPort}`);
    return out;
  });
  return { flow: adapted, notes };
}

function localPort(url: unknown, defaultPort: number): number | undefined {
  if (typeof url !== 'string' || !/^mqtts?:\/\//.test(url)) return undefined;
  try {
    const u = new URL(url);
    if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost') return undefined;
    return u.port ? Number(u.port) : defaultPort;
  } catch {
    return undefined;
  }
}

/** The local MQTT broker ports an example connects to (mqtt-broker config nodes, MQTT forward targets). */
export function brokerPorts(flow: FlowNode[]): number[] {
  const ports = new Set<number>();
  for (const n of flow) {
    if (n.type === 'mqtt-broker') {
      const fromUrl = localPort(n.broker, Number(n.port) || 1883);
      if (fromUrl !== undefined) ports.add(fromUrl);
      else if (n.broker === '127.0.0.1' || n.broker === 'localhost') ports.add(Number(n.port) || 1883);
    }
    if (n.type === 'edgegw-forward-target' && n.kind === 'mqtt') {
      const p = localPort(n.url, 1883);
      if (p !== undefined) ports.add(p);
    }
  }
  return [...ports].sort((a, b) => a - b);
}
