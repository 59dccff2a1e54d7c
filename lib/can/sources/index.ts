// The ways onto a CAN bus, behind one FrameSource shape.
export * from './source';
export * from './error-frames';
export * from './slcan-protocol';
export { SlcanSource, SlcanCommandError, type SlcanOptions } from './slcan-source';
export { ReplaySource, ReplayLineError, type ReplayOptions, type ReplayPace } from './replay-source';
export { SocketCanSource, fromSocketCanMessage, toSocketCanFilters, type SocketCanOptions, type SocketCanMessage, type SocketCanModule } from './socketcan-source';
export { createFrameSource, CanInterfaceConfigError, type FrameSourceConfig } from './create';
export { CanBus, type CanBusClient } from './can-bus';
export { sourceHealth, type SourceHealth } from './health';
export * from './problem';
