// The edge-gateway command under a systemd-like supervisor: with NOTIFY_SOCKET set (a datagram
// socket the test owns), it sends READY=1 once the flows have started, and only once.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startGatewayProcess } from '../helpers/gateway';
import { needPeers } from '../helpers/peers';
import { startNotifySocket, NOTIFY_PEERS } from '../helpers/notify-socket';
import { waitFor } from '../helpers/process';

describe('edge-gateway and systemd notify', () => {
  test('READY=1 when the flows start', needPeers(NOTIFY_PEERS.python3(), NOTIFY_PEERS.systemdNotify()), async () => {
    const sock = await startNotifySocket();
    try {
      const gw = await startGatewayProcess({ env: { NOTIFY_SOCKET: sock.path } });
      try {
        // /health said flows started; the notification follows within moments
        await sock.waitFor((m) => m.includes('READY=1'), 30_000);
        assert.deepEqual(
          sock.messages.filter((m) => m === 'READY=1'),
          ['READY=1'],
        );
        // logged once systemd-notify has exited, a moment after the datagram arrived
        await waitFor('READY=1 logged', () => /systemd notified: READY=1/.test(gw.peer.output()), 20_000);
      } finally {
        await gw.stop();
        gw.cleanup();
      }
    } finally {
      await sock.close();
    }
  });
});
