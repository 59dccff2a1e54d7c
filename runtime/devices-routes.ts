// The editor's view of the device registry, on Node-RED's admin app and behind its login like
// the other admin routes (the permission flows.read to look, flows.write to decide):
//   GET  /edgegw/devices                every device (never a login's hash)
//   GET  /edgegw/devices/pending        the devices waiting to be accepted
//   POST /edgegw/devices/:id/accept     lets its data into the pipeline
//   POST /edgegw/devices/:id/reject     keeps it out
//   DELETE /edgegw/devices/:id          takes it out of service (retired, its login dropped)
// Each decision is audited with the editor user who made it (editor:<username>; without the
// editor's login, editor:anonymous, as Node-RED's own audit events name it).
import { deviceView, DeviceRegistryError, type DeviceRegistry } from '../lib/registry';
import type { Middleware } from './http-node-auth';

interface Req {
  params: Record<string, string | undefined>;
  /** set by Node-RED's needsPermission when the editor has a login */
  user?: { username?: unknown };
}
interface Res {
  status(code: number): Res;
  json(body: unknown): void;
}
type Handler = (req: Req, res: Res) => void;

export interface AdminApp {
  get(path: string, guard: Middleware, handler: Handler): unknown;
  post(path: string, guard: Middleware, handler: Handler): unknown;
  delete(path: string, guard: Middleware, handler: Handler): unknown;
}

/** The audit log's name of the editor user of a request. */
function editorActor(req: Req): string {
  const name = req.user?.username;
  return `editor:${typeof name === 'string' && name ? name : 'anonymous'}`;
}

export function installDeviceAdminRoutes(app: AdminApp, needsPermission: (permission: string) => Middleware, registry: DeviceRegistry): void {
  const read = needsPermission('flows.read');
  const write = needsPermission('flows.write');
  app.get('/edgegw/devices', read, (_req, res) => res.json(registry.list().map(deviceView)));
  app.get('/edgegw/devices/pending', read, (_req, res) => res.json(registry.pending().map(deviceView)));
  const decision =
    (action: 'accept' | 'reject' | 'remove'): Handler =>
    (req, res) => {
      const id = req.params.id ?? '';
      try {
        res.json(deviceView(registry[action](id, editorActor(req))));
      } catch (err) {
        if (!(err instanceof DeviceRegistryError)) throw err;
        res.status(registry.get(id) ? 409 : 404).json({ error: `${err.where}: ${err.reason}`, field: err.where });
      }
    };
  app.post('/edgegw/devices/:id/accept', write, decision('accept'));
  app.post('/edgegw/devices/:id/reject', write, decision('reject'));
  app.delete('/edgegw/devices/:id', write, decision('remove'));
}
