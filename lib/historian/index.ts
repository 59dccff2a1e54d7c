// The historian: tag samples kept in SQLite for a retention period, read back as ranges or
// downsampled steps, exported as JSON rows or CSV, and played back into a flow.
export { HISTORIAN_FIELDS } from './fields';
export { readHistorianConfig, type HistorianConfig, type HistorianFields } from './config';
export { DeadbandFilter, DeadbandTableError, parseDeadbandTable, type Bands, type DeadbandConfig } from './deadband';
export { HistorianStore, type HistorianCounts, type HistorianStoreOptions } from './store';
export { AGGREGATES, HistorianQueryError, MAX_QUERY_ROWS, parseQuery, rowsToCsv, type Aggregate, type HistorianQuery, type HistorianRow, type QueryFormat } from './query';
export { HistoryPlayback, parsePlayback, type PlaybackEvents, type PlaybackRequest, type PlaybackSource } from './playback';
export type { StoredSample } from './reader';
