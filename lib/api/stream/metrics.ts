// The live stream in /metrics, read from the process's hub when scraped: clients by transport,
// the bytes waiting in their connections (what a slow client may cost, bounded by the limit),
// frames sent and clients dropped by reason.
import { counter, gauge } from '../../metrics/registry';
import { streamHub } from './hub';
import type { StreamTransport } from './session';

const TRANSPORTS: readonly StreamTransport[] = ['sse', 'ws'];

/** Registers the stream's metrics once per process (later calls find them registered). */
export function registerStreamMetrics(): void {
  gauge('edgegw_api_stream_clients', 'Clients of the live stream (/api/stream), by transport', ['transport'], function () {
    this.reset();
    const { clients } = streamHub().stats();
    for (const t of TRANSPORTS) this.set({ transport: t }, clients[t]);
  });
  gauge('edgegw_api_stream_backlog_bytes', 'Bytes written to live stream clients and not yet taken by them', [], function () {
    this.set(streamHub().stats().backlogBytes);
  });
  counter('edgegw_api_stream_frames_total', 'Frames sent to live stream clients, by transport', ['transport'], function () {
    this.reset();
    const { frames } = streamHub().stats();
    for (const t of TRANSPORTS) this.inc({ transport: t }, frames[t]);
  });
  counter('edgegw_api_stream_dropped_total', 'Live stream clients dropped: backlog (did not read fast enough) or shutdown', ['reason'], function () {
    this.reset();
    const { dropped } = streamHub().stats();
    for (const [reason, n] of Object.entries(dropped)) this.inc({ reason }, n);
  });
}
