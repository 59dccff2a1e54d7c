// Admin routes (the editor's checks and lookups) are registered once per admin app: Node-RED
// calls a node module's function again whenever the module is loaded, and the runtime may load
// ours from two paths (palette install beside the runtime), so the record is kept per app in a
// global registry rather than in this module.
import type { HttpHandler, NodeAPI } from './red';

const REGISTERED = Symbol.for('edgegw.admin-routes');

export type AdminApp = NonNullable<NodeAPI['httpAdmin']>;

/** Calls `register` with the admin app once per app for `name`; nothing without an admin app. */
export function registerAdminRoutesOnce(RED: NodeAPI, name: string, register: (app: AdminApp, permission: (p: string) => HttpHandler) => void): void {
  const app = RED.httpAdmin;
  if (!app) return;
  const g = globalThis as unknown as Record<symbol, WeakMap<object, Set<string>> | undefined>;
  const byApp = (g[REGISTERED] ??= new WeakMap());
  const names = byApp.get(app) ?? new Set<string>();
  byApp.set(app, names);
  if (names.has(name)) return;
  names.add(name);
  const permission = (p: string): HttpHandler => (RED.auth?.needsPermission ? RED.auth.needsPermission(p) : (_req: never, _res: never, next: () => void) => next());
  register(app, permission);
}
