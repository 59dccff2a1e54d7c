// Dashboard: the gateway in a browser at /dashboard (Dashboard 2.0), pages made of ui-template
// widgets fed by one dashboard-feed node, which reads what the operator API reads. The pages are
// generated from the tag store at run time (a device added later appears without a flow edit);
// the widgets' sources are dashboard-widgets/<page>.vue, taken byte for byte.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeType } from '../../../nodes/common/migrations';
import { comment, linkIn, linkOut, readmeText, type FlowNode } from '../flow-node';
import { TAB, tab } from './ids';

const UI_BASE = 'edgegw.ui.base';
const UI_THEME = 'edgegw.ui.theme';
const FEED = 'edgegw.dash.feed';
const REQUESTS_OUT = 'edgegw.dash.requests.out';
const REQUESTS_IN = 'edgegw.dash.requests.in';

/** The pages in the order of the feed's outputs (lib/dashboard/feed.ts FEED_OUTPUT). */
const PAGES = [
  { key: 'overview', name: 'Overview', path: '/overview', icon: 'view-dashboard', width: 12 },
  { key: 'devices', name: 'Devices', path: '/devices', icon: 'chip', width: 12 },
  { key: 'alarms', name: 'Alarms', path: '/alarms', icon: 'alarm-light', width: 12 },
  { key: 'controls', name: 'Controls', path: '/controls', icon: 'tune', width: 6 },
  { key: 'tags', name: 'Tag picker', path: '/tags', icon: 'magnify', width: 12 },
] as const;

/** A widget's source: dashboard-widgets/<name>.vue. */
function widgetSource(name: string): string {
  return readFileSync(join(__dirname, '..', 'dashboard-widgets', `${name}.vue`), 'utf8');
}

const BREAKPOINTS = [
  { name: 'Default', px: 0, cols: 3 },
  { name: 'Tablet', px: 576, cols: 6 },
  { name: 'Small Desktop', px: 768, cols: 9 },
  { name: 'Desktop', px: 1024, cols: 12 },
];

/** Dashboard 2.0's config nodes: the base at /dashboard, a theme, a page and a group per page. */
function uiConfig(): FlowNode[] {
  const base: FlowNode = {
    id: UI_BASE,
    type: 'ui-base',
    name: 'edge-gateway',
    path: '/dashboard',
    appIcon: '',
    includeClientData: true,
    // the feed answers one browser only (its device, its write result): ui-template obeys msg._client
    acceptsClientConfig: ['ui-notification', 'ui-control', 'ui-template'],
    showPathInSidebar: false,
    headerContent: 'page',
    navigationStyle: 'default',
    titleBarStyle: 'default',
    showReconnectNotification: true,
    notificationDisplayTime: 1,
    showDisconnectNotification: true,
    allowInstall: false,
  };
  const theme: FlowNode = {
    id: UI_THEME,
    type: 'ui-theme',
    name: 'edge-gateway',
    colors: { surface: '#1f3a5f', primary: '#0d74ce', bgPage: '#f4f6f9', groupBg: '#ffffff', groupOutline: '#d9d9e0' },
    sizes: { density: 'default', pagePadding: '12px', groupGap: '12px', groupBorderRadius: '4px', widgetGap: '12px' },
  };
  const pages = PAGES.flatMap((p, i): FlowNode[] => [
    {
      id: `edgegw.ui.page.${p.key}`,
      type: 'ui-page',
      name: p.name,
      ui: UI_BASE,
      path: p.path,
      icon: p.icon,
      layout: 'grid',
      theme: UI_THEME,
      breakpoints: BREAKPOINTS,
      order: i + 1,
      className: '',
      visible: 'true',
      disabled: 'false',
    },
    {
      id: `edgegw.ui.group.${p.key}`,
      type: 'ui-group',
      name: p.name,
      page: `edgegw.ui.page.${p.key}`,
      width: p.width,
      height: 1,
      order: 1,
      showTitle: false,
      className: '',
      visible: 'true',
      disabled: 'false',
      groupType: 'default',
    },
  ]);
  return [base, theme, ...pages];
}

const widget = (key: string, name: string, y: number): FlowNode => ({
  id: `edgegw.dash.${key}`,
  type: 'ui-template',
  z: TAB.dashboard,
  group: `edgegw.ui.group.${key}`,
  page: '',
  ui: '',
  name,
  order: 1,
  width: 0,
  height: 0,
  head: '',
  format: widgetSource(key),
  // the widgets' messages are requests to the feed: not replayed to a new browser, not passed on
  storeOutMessages: false,
  passthru: false,
  resendOnRefresh: true,
  templateScope: 'local',
  className: '',
  x: 560,
  y,
  wires: [[REQUESTS_OUT]],
});

/** The Dashboard tab, its nodes and Dashboard 2.0's config nodes (the default flows' last tab; an example of its own). */
export function dashboardTab(): FlowNode[] {
  const z = TAB.dashboard;
  const widgets = PAGES.map((p, i) => widget(p.key, `${p.name} page`, 100 + i * 70));
  return [
    tab(z, 'Dashboard', 'The dashboard at /dashboard: overview, devices, alarms, controls, tag picker.'),
    comment('edgegw.dash.comment', z, 'Dashboard: read me (double-click)', readmeText('dashboard'), 180, 40),
    linkIn(REQUESTS_IN, z, 'dashboard requests', [REQUESTS_OUT], 95, 240, [[FEED]]),
    {
      id: FEED,
      type: nodeType('dashboard-feed'),
      z,
      name: '',
      maxRate: '4',
      overviewS: '1',
      historyMinutes: '60',
      diskPath: '',
      x: 290,
      y: 240,
      wires: PAGES.map((p) => [`edgegw.dash.${p.key}`]),
    },
    ...widgets,
    linkOut(REQUESTS_OUT, z, 'dashboard requests', [REQUESTS_IN], 795, 240),
    ...uiConfig(),
  ];
}
