// The editor's view of the device registry, on Node-RED's admin app and behind its login like
// the other admin routes (the permission flows.read to look, flows.write to decide):
//   GET  /edgegw/devices                every device (never a login's hash)
//   GET  /edgegw/devices/pending        the devices waiting to be accepted
//   POST /edgegw/devices/:id/accept     lets its data into the pipeline
//   POST /edgegw/devices/:id/reject     keeps it out
import { deviceView, DeviceRegistryError, type DeviceRegistry } from '../lib/registry';
import type { Middleware } from './http-node-auth';

interface Req {
  params: Record<string, string | undefined>;
}
interface Res {
  status(code: number): Res;
  json(body: unknown): void;
}
type Handler = (req: Req, res: Res) => void;

export interface AdminApp {
  get(path: string, guard: Middleware, handler: Handler): unknown;
  post(path: string, guard: Middleware, handler: Handler): unknown;
}

export function installDeviceAdminRoutes(app: AdminApp, needsPermission: (permission: string) => Middleware, registry: DeviceRegistry): void {
  const read = needsPermission('flows.read');
  const write = needsPermission('flows.write');
  app.get('/edgegw/devices', read, (_req, res) => res.json(registry.list().map(deviceView)));
  app.get('/edgegw/devices/pending', read, (_req, res) => res.json(registry.pending().map(deviceView)));
  for (const action of ['accept', 'reject'] as const) {
    app.post(`/edgegw/devices/:id/${action}`, write, (req, res) => {
      const id = req.params.id ?? '';
      try {
        const device = action === 'accept' ? registry.accept(id) : registry.reject(id);
        res.json(deviceView(device));
      } catch (err) {
        if (!(err instanceof DeviceRegistryError)) throw err;
        res.status(registry.get(id) ? 409 : 404).json({ error: `${err.where}: ${err.reason}`, field: err.where });
      }
    });
  }
}
