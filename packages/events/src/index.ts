export * from './event.js';
export * from './relay.js';
export * from './consumer.js';
export * from './version-guard.js';
export * from './event-log-trim.js';
export * from './redis-eviction-policy.js';
export * from './partitions.js';
export * from './redis-connection.js';
