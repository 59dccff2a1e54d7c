// Supervision: a watchdog over the devices, and a circuit breaker in front of a digital twin the
// flows serve themselves (with a button that takes the twin down).
import { nodeType } from '../../../nodes/common/migrations';
import { comment, debug, functionBody, functionNode, inject, linkIn, linkOut, readmeText, type FlowNode } from '../flow-node';
import { ACQUISITION_OUT, type Plant } from '../plant';
import { TAB } from './ids';

/** Tells the breaker a request's outcome: msg.breaker = success | failure. */
const breakerOutcome = (id: string, outcome: 'success' | 'failure', x: number, y: number): FlowNode => ({
  id,
  type: 'change',
  z: TAB.supervision,
  name: `breaker = ${outcome}`,
  rules: [{ t: 'set', p: 'breaker', pt: 'msg', to: outcome, tot: 'str' }],
  x,
  y,
  wires: [['edgegw.sup.outcome']],
});

const twinHttpIn = (id: string, name: string, method: string, y: number): FlowNode => ({
  id,
  type: 'http in',
  z: TAB.supervision,
  name,
  url: '/twin',
  method,
  upload: false,
  swaggerDoc: '',
  x: 110,
  y,
  wires: [['edgegw.sup.twin.endpoint']],
});

/** The digital twin the flows serve themselves, and the breaker in front of the path to it. */
const twin = (z: string): FlowNode[] => [
  functionNode('edgegw.sup.twin.select', z, 'latest per device, every 5 s', functionBody('twin-select'), 220, 240, [['edgegw.sup.breaker']]),
  {
    id: 'edgegw.sup.breaker',
    type: nodeType('circuit-breaker'),
    z,
    name: 'twin breaker',
    thresholdType: 'consecutive',
    failures: '3',
    rate: '50',
    window: '60',
    minCalls: '10',
    openTimeout: '10',
    maxOpenTimeout: '120',
    probes: '1',
    fallback: true,
    watch: '',
    x: 460,
    y: 240,
    wires: [['edgegw.sup.twin.post'], ['edgegw.sup.refused'], ['edgegw.sup.breaker.state']],
  },
  {
    id: 'edgegw.sup.twin.post',
    type: 'http request',
    z,
    name: 'POST /twin',
    method: 'POST',
    ret: 'txt',
    paytoqs: 'ignore',
    url: '',
    tls: '',
    persist: false,
    proxy: '',
    insecureHTTPParser: false,
    authType: '',
    senderr: false,
    headers: [],
    x: 630,
    y: 200,
    wires: [['edgegw.sup.twin.ok']],
  },
  {
    id: 'edgegw.sup.twin.ok',
    type: 'switch',
    z,
    name: '2xx?',
    property: 'statusCode',
    propertyType: 'msg',
    rules: [{ t: 'btwn', v: '200', vt: 'num', v2: '299', v2t: 'num' }, { t: 'else' }],
    checkall: 'false',
    repair: false,
    outputs: 2,
    x: 770,
    y: 200,
    wires: [['edgegw.sup.success'], ['edgegw.sup.failure']],
  },
  breakerOutcome('edgegw.sup.success', 'success', 940, 180),
  breakerOutcome('edgegw.sup.failure', 'failure', 940, 240),
  { id: 'edgegw.sup.twin.errors', type: 'catch', z, name: 'request errors', scope: ['edgegw.sup.twin.post'], uncaught: false, x: 740, y: 300, wires: [['edgegw.sup.failure']] },
  // the outcome goes back to the breaker's input through a link, not a wire drawn across the tab
  linkOut('edgegw.sup.outcome', z, 'request outcome', ['edgegw.sup.outcome.in'], 1055, 210),
  linkIn('edgegw.sup.outcome.in', z, 'request outcome', ['edgegw.sup.outcome'], 335, 300, [['edgegw.sup.breaker']]),
  debug('edgegw.sup.refused', z, 'refused while open', 670, 370),
  debug('edgegw.sup.breaker.state', z, 'breaker state changes', 680, 420, { active: true, complete: 'payload' }),
  twinHttpIn('edgegw.sup.twin.in', 'POST /twin', 'post', 500),
  twinHttpIn('edgegw.sup.twin.get', 'GET /twin', 'get', 550),
  functionNode('edgegw.sup.twin.endpoint', z, 'digital twin', functionBody('twin-endpoint'), 330, 525, [['edgegw.sup.twin.response']]),
  { id: 'edgegw.sup.twin.response', type: 'http response', z, name: '', statusCode: '', headers: {}, x: 510, y: 525, wires: [] },
  inject('edgegw.sup.twin.toggle', z, 'toggle twin outage', '', 130, 620, [['edgegw.sup.twin.flag']], { once: false }),
  functionNode('edgegw.sup.twin.flag', z, 'outage flag', functionBody('twin-outage-flag'), 360, 620, [[]]),
];

export function supervisionTab(plant: Plant): FlowNode[] {
  const z = TAB.supervision;
  return [
    comment('edgegw.sup.comment', z, 'Supervision: read me (double-click)', readmeText(plant.readme.supervision), 180, 40),
    linkIn('edgegw.sup.in', z, 'acquired scans', [ACQUISITION_OUT], 75, 170, [['edgegw.sup.watchdog', ...(plant.twin ? ['edgegw.sup.twin.select'] : [])]]),
    {
      id: 'edgegw.sup.watchdog',
      type: nodeType('watchdog'),
      z,
      name: 'devices',
      keyBy: 'topic',
      keys: plant.watchedDevices.join('\n'),
      learn: false,
      timeout: String(plant.silenceAfterS),
      badIsSilence: true,
      hardware: false,
      devicePath: '/dev/watchdog',
      systemd: false,
      keepalive: '5',
      x: 260,
      y: 110,
      wires: [[], ['edgegw.sup.watchdog.topic']],
    },
    functionNode('edgegw.sup.watchdog.topic', z, 'to alarms topic', functionBody('alarms-topic'), 480, 110, [['edgegw.sup.watchdog.out']]),
    linkOut('edgegw.sup.watchdog.out', z, 'watchdog alarms (events queue)', ['edgegw.fwd.events.in'], 645, 110),
    ...(plant.twin ? twin(z) : []),
  ];
}
