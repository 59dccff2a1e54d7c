// The geometry Node-RED's editor (4.1, @node-red/editor-client view.js) gives a flow: node boxes
// from x/y and the label's width, wires as the editor draws them. What a user sees of a tab in a
// 1600 x 900 window, checked on the flow JSON; the editor screenshot test checks the same in
// Chromium.
//
// Assumptions, measured in Chromium at 1600 x 900 with the editor's default layout: the palette
// (180 px) on the left and the sidebar (315 px) on the right leave a workspace of 1097 x 789 px
// at zoom 1; a tab must fit CANVAS, that less a scrollbar's width each way. Labels are measured
// in DejaVu Sans 14 px, the font Debian's Chromium renders the editor's "Helvetica Neue", Arial
// with; it is wider than both, so a tab that fits here fits a browser that has them.

export type FlowJson = Array<Record<string, unknown> & { id: string; type: string }>;

/** The part of the workspace a 1600 x 900 window shows, in canvas pixels at zoom 1. */
export const CANVAS = { width: 1080, height: 770 } as const;

// view.js
const NODE_WIDTH = 100;
const NODE_HEIGHT = 30;
const LINE_CURVE_SCALE = 0.75;
/** a status (its dot and text) sits 3 px under its node, about 14 px high */
export const STATUS_BAND = 18;

// DejaVu Sans advance widths (units per em 2048) of U+0020..U+007E, from DejaVuSans.ttf's hmtx
// prettier-ignore
const DEJAVU_WIDTHS = [
  651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 690, 690,
  1716, 1716, 1716, 1087, 2048, 1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 604, 604, 1343, 1141, 1767, 1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499,
  1401, 2025, 1403, 1251, 1403, 799, 690, 799, 1716, 1024, 1024, 1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995, 1298, 1253, 1300,
  1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075, 1303, 690, 1303, 1716,
];
const LABEL_FONT_PX = 14;
const UNITS_PER_EM = 2048;
/** outside ASCII (arrows, ¹, Cyrillic): a digit's width, about the widest of the common glyphs */
const OTHER_WIDTH = 1303;

/** The width of a label line in the editor's node label font. */
export function textWidth(text: string): number {
  let units = 0;
  for (const ch of text.replace(/\t/g, ' ')) {
    const code = ch.codePointAt(0)!;
    units += code >= 0x20 && code <= 0x7e ? DEJAVU_WIDTHS[code - 0x20] : OTHER_WIDTH;
  }
  return (units * LABEL_FONT_PX) / UNITS_PER_EM;
}

interface Ports {
  inputs: number;
  outputs: number;
}

// The core nodes the shipped flows use; every node of this package has one input except these.
const CORE_PORTS: Record<string, Ports> = {
  inject: { inputs: 0, outputs: 1 },
  debug: { inputs: 1, outputs: 0 },
  comment: { inputs: 0, outputs: 0 },
  function: { inputs: 1, outputs: 1 },
  switch: { inputs: 1, outputs: 1 },
  change: { inputs: 1, outputs: 1 },
  catch: { inputs: 0, outputs: 1 },
  complete: { inputs: 0, outputs: 1 },
  status: { inputs: 0, outputs: 1 },
  'link in': { inputs: 0, outputs: 1 },
  'link out': { inputs: 1, outputs: 0 },
  'mqtt in': { inputs: 0, outputs: 1 },
  'mqtt out': { inputs: 1, outputs: 0 },
  'http in': { inputs: 0, outputs: 1 },
  'http request': { inputs: 1, outputs: 1 },
  'http response': { inputs: 1, outputs: 0 },
  delay: { inputs: 1, outputs: 1 },
  json: { inputs: 1, outputs: 1 },
  template: { inputs: 1, outputs: 1 },
  // Dashboard 2.0's (the Dashboard tab)
  'ui-template': { inputs: 1, outputs: 1 },
};
const OWN_PORTS: Record<string, Ports> = {
  'edgegw-can-in': { inputs: 0, outputs: 1 },
  'edgegw-can-out': { inputs: 1, outputs: 0 },
  'edgegw-alarm': { inputs: 1, outputs: 2 },
  'edgegw-circuit-breaker': { inputs: 1, outputs: 3 },
  'edgegw-dashboard-feed': { inputs: 1, outputs: 5 },
  'edgegw-store-forward': { inputs: 1, outputs: 2 },
  'edgegw-watchdog': { inputs: 1, outputs: 2 },
};

export function portsOf(node: FlowJson[number]): Ports {
  const ports = CORE_PORTS[node.type] ?? OWN_PORTS[node.type] ?? (node.type.startsWith('edgegw-') ? { inputs: 1, outputs: 1 } : undefined);
  if (!ports) throw new Error(`${node.id}: no port counts known for type ${node.type} (add it to flow-layout.ts)`);
  // function, switch and dbc-decode save their output count
  return typeof node.outputs === 'number' ? { ...ports, outputs: node.outputs } : ports;
}

/** A field's text: strings and numbers as they are, anything else empty. */
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

const named = (node: FlowJson[number]): string => text(node.name);

/** The label the editor shows: the node's name, else its type's default label. */
export function labelOf(node: FlowJson[number]): string {
  const name = named(node);
  switch (node.type) {
    case 'inject': {
      const suffix = (node.repeat && node.repeat !== '0') || node.crontab ? '\t↻' : node.once ? ' ¹' : '';
      return (name || 'inject') + suffix;
    }
    case 'http response':
      return name || `http${node.statusCode ? ` (${text(node.statusCode)})` : ''}`;
    case 'http in':
      return name || `[${text(node.method)}] ${text(node.url)}`;
    case 'mqtt in':
    case 'mqtt out':
      return name || text(node.topic) || 'mqtt';
    case 'edgegw-can-in':
      return name || (node.filters ? `can in ${text(node.filters)}` : 'can in');
    case 'edgegw-gateway-heartbeat':
      return name || 'gateway heartbeat';
    case 'edgegw-ha-discovery':
      return name || 'ha discovery';
    case 'edgegw-tag-store-in':
      return name || 'tag store';
    case 'edgegw-can-out':
      return name || 'can out';
    case 'edgegw-dbc-encode':
      return name || (node.message ? `dbc encode ${text(node.message)}` : 'dbc encode');
    default:
      return name || node.type.replace(/^edgegw-/, '').replace(/-/g, ' ');
  }
}

export interface Box {
  id: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface PlacedNode {
  node: FlowJson[number];
  x: number;
  y: number;
  w: number;
  h: number;
  ports: Ports;
  /** the node itself and, under it, its status when it shows one */
  box: Box;
}

/** Whether the node shows a status line under itself once the flows run. */
export function showsStatus(node: FlowJson[number]): boolean {
  if (node.type.startsWith('edgegw-') || node.type === 'mqtt in' || node.type === 'mqtt out') return true;
  if (node.type === 'function') return text(node.func).includes('node.status(');
  return node.type === 'debug' && node.tostatus === true;
}

/** A node where the editor draws it: centred on x/y, w from the label (links: a 30 px square). */
export function placed(node: FlowJson[number]): PlacedNode {
  const ports = portsOf(node);
  const x = Number(node.x);
  const y = Number(node.y);
  const isLink = node.type === 'link in' || node.type === 'link out';
  const lines = isLink ? [] : labelOf(node).split('\n');
  const w = isLink ? NODE_HEIGHT : Math.max(NODE_WIDTH, 20 * Math.ceil((Math.max(...lines.map(textWidth)) + 50 + (ports.inputs > 0 ? 7 : 0)) / 20));
  const h = isLink ? NODE_HEIGHT : Math.max(6 + 24 * lines.length, ports.outputs * 15, NODE_HEIGHT);
  const status = showsStatus(node) ? STATUS_BAND : 0;
  return { node, x, y, w, h, ports, box: { id: node.id, left: x - w / 2, right: x + w / 2, top: y - h / 2, bottom: y + h / 2 + status } };
}

/** The SVG path of a wire from (origX, origY) to (destX, destY): view.js generateLinkPath, sc = 1. */
export function linkPath(origX: number, origY: number, destX: number, destY: number, hasStatus: boolean): string {
  const dy = destY - origY;
  const dx = destX - origX;
  const delta = Math.sqrt(dy * dy + dx * dx);
  let scale = LINE_CURVE_SCALE;
  if (dx > 0) {
    if (delta < NODE_WIDTH) scale = 0.75 - 0.75 * ((NODE_WIDTH - delta) / NODE_WIDTH);
    return `M ${origX} ${origY} C ${origX + NODE_WIDTH * scale} ${origY} ${destX - scale * NODE_WIDTH} ${destY} ${destX} ${destY}`;
  }
  scale = 0.4 - 0.2 * (Math.max(0, NODE_WIDTH - Math.min(Math.abs(dx), Math.abs(dy))) / NODE_WIDTH);
  const midX = Math.floor(destX - dx / 2);
  const midY = Math.floor(destY - dy / 2);
  if (Math.abs(dy) < 10) {
    const bottomY = Math.max(origY, destY) + (hasStatus ? 35 : 25);
    const start = bottomY - origY;
    const end = bottomY - destY;
    return (
      `M ${origX} ${origY} C ${origX + 15} ${origY} ${origX + 25} ${origY + 5} ${origX + 25} ${origY + start / 2} ` +
      `C ${origX + 25} ${origY + start - 5} ${origX + 15} ${origY + start} ${origX} ${origY + start} h ${dx} ` +
      `C ${destX - 15} ${origY + start} ${destX - 25} ${origY + start - 5} ${destX - 25} ${destY + end / 2} ` +
      `C ${destX - 25} ${destY + 5} ${destX - 15} ${destY} ${destX} ${destY}`
    );
  }
  const cpHeight = NODE_HEIGHT / 2;
  const y1 = (destY + midY) / 2;
  const topX = origX + NODE_WIDTH * scale;
  const topY = dy > 0 ? Math.min(y1 - dy / 2, origY + cpHeight) : Math.max(y1 - dy / 2, origY - cpHeight);
  const bottomX = destX - NODE_WIDTH * scale;
  const bottomY = dy > 0 ? Math.max(y1, destY - cpHeight) : Math.min(y1, destY + cpHeight);
  const x1 = (origX + topX) / 2;
  const scy = dy > 0 ? 1 : -1;
  const cp = [
    [x1, origY],
    [topX, dy > 0 ? Math.max(origY, topY - cpHeight) : Math.min(origY, topY + cpHeight)],
    [x1, dy > 0 ? Math.min(midY, topY + cpHeight) : Math.max(midY, topY - cpHeight)],
    [bottomX, dy > 0 ? Math.max(midY, bottomY - cpHeight) : Math.min(midY, bottomY + cpHeight)],
    [(destX + bottomX) / 2, destY],
  ];
  if (cp[2][1] === topY + scy * cpHeight) {
    if (Math.abs(dy) < cpHeight * 10) {
      cp[1][1] = topY - (scy * cpHeight) / 2;
      cp[3][1] = bottomY - (scy * cpHeight) / 2;
    }
    cp[2][0] = topX;
  }
  return (
    `M ${origX} ${origY} C ${cp[0][0]} ${cp[0][1]} ${cp[1][0]} ${cp[1][1]} ${topX} ${topY} S ${cp[2][0]} ${cp[2][1]} ${midX} ${midY} ` +
    `S ${cp[3][0]} ${cp[3][1]} ${bottomX} ${bottomY} S ${cp[4][0]} ${cp[4][1]} ${destX} ${destY}`
  );
}

type Point = [number, number];

const cubic = (p0: Point, p1: Point, p2: Point, p3: Point, t: number): Point => {
  const u = 1 - t;
  return [0, 1].map((i) => u * u * u * p0[i] + 3 * u * u * t * p1[i] + 3 * u * t * t * p2[i] + t * t * t * p3[i]) as Point;
};

/** Points along a path of M, C, S and h commands (what linkPath writes), `perSegment` per segment. */
export function samplePath(path: string, perSegment = 40): Point[] {
  const tokens = path.trim().split(/\s+/);
  const points: Point[] = [];
  let at: Point = [0, 0];
  let lastControl: Point = [0, 0];
  let i = 0;
  const num = () => Number(tokens[i++]);
  const curve = (c1: Point, c2: Point, end: Point) => {
    for (let k = 1; k <= perSegment; k++) points.push(cubic(at, c1, c2, end, k / perSegment));
    lastControl = c2;
    at = end;
  };
  while (i < tokens.length) {
    const command = tokens[i++];
    if (command === 'M') {
      at = [num(), num()];
      points.push(at);
    } else if (command === 'C') {
      curve([num(), num()], [num(), num()], [num(), num()]);
    } else if (command === 'S') {
      curve([2 * at[0] - lastControl[0], 2 * at[1] - lastControl[1]], [num(), num()], [num(), num()]);
    } else if (command === 'h') {
      const end: Point = [at[0] + num(), at[1]];
      for (let k = 1; k <= perSegment; k++) points.push([at[0] + ((end[0] - at[0]) * k) / perSegment, at[1]]);
      at = end;
      lastControl = end;
    } else throw new Error(`samplePath: unexpected ${command} in ${path}`);
  }
  return points;
}

export interface Wire {
  from: PlacedNode;
  port: number;
  to: PlacedNode;
  points: Point[];
}

/** Every wire of a tab where the editor draws it. */
export function wiresOf(nodes: PlacedNode[]): Wire[] {
  const byId = new Map(nodes.map((p) => [p.node.id, p]));
  const wires: Wire[] = [];
  for (const from of nodes) {
    const outputs = Array.isArray(from.node.wires) ? (from.node.wires as string[][]) : [];
    outputs.forEach((targets, port) => {
      for (const id of targets) {
        const to = byId.get(id);
        if (!to) continue;
        const portY = -((Math.max(from.ports.outputs, 1) - 1) / 2) * 13 + 13 * port;
        const path = linkPath(from.x + from.w / 2, from.y + portY, to.x - to.w / 2, to.y, showsStatus(from.node) || showsStatus(to.node));
        wires.push({ from, port, to, points: samplePath(path) });
      }
    });
  }
  return wires;
}

const inside = (p: Point, b: Box, margin: number) => p[0] > b.left + margin && p[0] < b.right - margin && p[1] > b.top + margin && p[1] < b.bottom - margin;

/** The boxes a wire passes through: any node but its two ends, and the status lines of its ends. */
export function wireObstructions(wire: Wire, nodes: PlacedNode[]): Box[] {
  const hit: Box[] = [];
  for (const other of nodes) {
    let box = other.box;
    if (other === wire.from || other === wire.to) {
      // its own ends: only the status line under them is in the way
      if (box.bottom === other.y + other.h / 2) continue;
      box = { ...box, top: other.y + other.h / 2 };
    }
    if (wire.points.some((p) => inside(p, box, 1))) hit.push(box);
  }
  return hit;
}

/** The nodes of one tab, placed. */
export function tabNodes(flow: FlowJson, tabId: string): PlacedNode[] {
  return flow.filter((n) => n.z === tabId).map(placed);
}

export interface LayoutProblem {
  tab: string;
  problem: string;
}

/** What a user at 1600 x 900 would find wrong with each tab: nodes out of view, overlapping, wires through nodes. */
export function layoutProblems(flow: FlowJson): LayoutProblem[] {
  const problems: LayoutProblem[] = [];
  for (const tab of flow.filter((n) => n.type === 'tab')) {
    const label = text(tab.label) || tab.id;
    const nodes = tabNodes(flow, tab.id);
    for (const p of nodes) {
      const b = p.box;
      if (b.left < 0 || b.top < 0 || b.right > CANVAS.width || b.bottom > CANVAS.height)
        problems.push({ tab: label, problem: `${p.node.id} (${b.left}..${b.right} x ${b.top}..${b.bottom}) is outside ${CANVAS.width} x ${CANVAS.height}` });
    }
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        const a = nodes[i].box;
        const b = nodes[j].box;
        if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) problems.push({ tab: label, problem: `${a.id} overlaps ${b.id}` });
      }
    }
    for (const wire of wiresOf(nodes)) {
      for (const box of wireObstructions(wire, nodes)) problems.push({ tab: label, problem: `the wire ${wire.from.node.id}[${wire.port}] -> ${wire.to.node.id} passes through ${box.id}` });
    }
  }
  return problems;
}
