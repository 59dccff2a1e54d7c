// systemd notify through a datagram socket the test owns (python3 binds it).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SystemdNotifier, NotifyError, notifySocket } from '../../../lib/system/process/sd-notify';
import { needPeers } from '../../helpers/peers';
import { startNotifySocket, NOTIFY_PEERS } from '../../helpers/notify-socket';

describe('SystemdNotifier', () => {
  test('sends each state as one datagram to NOTIFY_SOCKET', needPeers(NOTIFY_PEERS.python3(), NOTIFY_PEERS.systemdNotify()), async () => {
    const sock = await startNotifySocket();
    try {
      const n = new SystemdNotifier({ env: { ...process.env, NOTIFY_SOCKET: sock.path } });
      assert.equal(n.enabled, true);
      await n.send('READY=1');
      await n.send('WATCHDOG=1');
      await sock.waitFor((m) => m.length >= 2);
      assert.deepEqual(sock.messages, ['READY=1', 'WATCHDOG=1']);
      assert.equal(n.pending, 0);
      n.close();
    } finally {
      await sock.close();
    }
  });

  test('no socket, a dead socket or a missing command reject with the reason', needPeers(NOTIFY_PEERS.systemdNotify()), async () => {
    assert.equal(notifySocket({}), undefined);
    assert.equal(notifySocket({ NOTIFY_SOCKET: 'relative' }), undefined, 'only absolute paths and abstract (@) names are sockets');
    const none = new SystemdNotifier({ env: {} });
    assert.equal(none.enabled, false);
    await assert.rejects(none.send('WATCHDOG=1'), (e: unknown) => e instanceof NotifyError && /NOTIFY_SOCKET is not set/.test(e.message));
    const dead = new SystemdNotifier({ env: { ...process.env, NOTIFY_SOCKET: '/nonexistent/notify.sock' } });
    await assert.rejects(dead.send('WATCHDOG=1'), (e: unknown) => e instanceof NotifyError && e.message.includes('/nonexistent/notify.sock'));
    const noCmd = new SystemdNotifier({ env: { NOTIFY_SOCKET: '/run/x.sock' }, command: 'no-such-notify-command' });
    await assert.rejects(noCmd.send('READY=1'), /no-such-notify-command not found/);
  });
});
