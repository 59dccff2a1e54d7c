export { DurableQueue, type DropReport, type EnqueueResult, type QueueMemory, type QueueStats } from './durable-queue';
export { queueOptions, type DurableQueueOptions } from './options';
export { Forwarder, type ForwarderOptions, type ForwarderState } from './forwarder';
export { QueueError, QueueClosedError, QueueConfigError, QueueWaitingFullError, type DeadLetter, type DropReason, type Durability, type FullPolicy, type QueueStorageKind } from './types';
