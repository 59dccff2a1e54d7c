// The operator API's live stream (issue 22): the hub the nodes publish to, and its two transports.
export { StreamHub, streamHub, type StreamHubStats } from './hub';
export { handleSse } from './sse';
export { attachWebSocket, type AttachedWebSocket } from './websocket';
export { parseStreamFilter, StreamFilterError, type StreamFilter } from './filter';
export { DEFAULT_STREAM_LIMITS, type StreamLimits, type DropReason, type StreamTransport } from './session';
export type { StreamOptions } from './request';
export type { QueueStateEvent, StreamKind } from './events';
