// audit-in: every record the audit log keeps from now on (device writes, alarm acknowledgements,
// deploys, logins, refused credentials, API key changes) as a message, optionally of one kind.
// The audit log is the process's one (nodes/common/settings), so records from every node, the
// runtime's deploy and login handler and the API arrive here.
import type { NodeAPI, Node, NodeDef } from '../common/red';
import { auditLogOf } from '../common/settings';
import { migrateNodeConfig } from '../common/migrations';
import { LOOK, StatusDisplay } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';
import { readFields } from '../../lib/config/fields';
import { AUDIT_IN_FIELDS } from '../../lib/audit/fields';
import { kindOf } from '../../lib/audit/kinds';
import type { AuditRecord } from '../../lib/audit/audit-log';

export = function (RED: NodeAPI) {
  function AuditInNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    let kind: string;
    try {
      ({ kind } = readFields(AUDIT_IN_FIELDS, def));
    } catch (err) {
      return refuseConfig(node, { kind: 'audit-in', statusKey: 'audit-in.status.badConfig', message: (err as Error).message });
    }
    const status = new StatusDisplay(node);
    let count = 0;
    status.show(LOOK.waiting, kind ? 'audit-in.status.waitingKind' : 'audit-in.status.waiting', kind ? { kind } : undefined);
    const unsubscribe = auditLogOf(RED).subscribe((record: AuditRecord) => {
      const recordKind = kindOf(record);
      if (kind && recordKind !== kind) return;
      count++;
      // a copy: a downstream node that changes the payload must not change the log's ring
      node.send({ topic: `audit/${recordKind}`, payload: { ...record } });
      status.show(LOOK.ok, 'audit-in.status.records', { count });
    });
    node.on('close', (_removed: boolean, done: () => void) => {
      unsubscribe();
      done();
    });
  }

  RED.nodes.registerType('edgegw-audit-in', AuditInNode);
};
