// Admin endpoints for the mqtt-device editor: the device profiles this runtime knows.
//   GET /edgegw/profiles              -> { profiles: [{ id, name, protocol, ... }], refused: [{ file, line, field, reason }] }
//   GET /edgegw/profiles/:id          -> the profile (its tags, topics, commands)
import type { NodeAPI } from '../common/red';
import { registerAdminRoutesOnce } from '../common/admin-routes';
import { acquireProfileLibrary } from '../../lib/profiles/shipped';
import type { ProfileLibrary } from '../../lib/profiles/library';

type Req = { params: Record<string, string>; query: Record<string, unknown> };
type Res = { json(v: unknown): void; status(code: number): Res };

export function registerProfileRoutes(RED: NodeAPI, userDir: string | undefined): void {
  registerAdminRoutesOnce(RED, 'mqtt-device.profiles', (app, permission) => {
    const read = permission('mqtt-device.read');
    // the routes live as long as the admin app: one library, held for them
    let library: ProfileLibrary | undefined;
    const profiles = () => (library ??= acquireProfileLibrary(userDir).library);

    app.get('/edgegw/profiles', read, (req: Req, res: Res) => {
      const protocol = typeof req.query.protocol === 'string' ? req.query.protocol : undefined;
      const lib = profiles();
      res.json({
        profiles: lib.list().filter((p) => !protocol || p.protocol === protocol),
        refused: lib.refusals().map((e) => ({ file: e.file, line: e.line, field: e.field, reason: e.reason })),
      });
    });

    app.get('/edgegw/profiles/:id', read, (req: Req, res: Res) => {
      const p = profiles().get(req.params.id);
      if (!p) res.status(404).json({ error: `no device profile named '${req.params.id}'`, code: 'profileNotFound', args: { id: req.params.id, known: profiles().ids().join(', ') } });
      else res.json(p.protocol === 'mqtt' ? { ...p, tags: p.tags.map((t) => ({ ...t, path: t.path?.text })) } : p);
    });
  });
}
