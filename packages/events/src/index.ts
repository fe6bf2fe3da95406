export * from './event.js';
export * from './relay.js';
export * from './consumer.js';
export * from './version-guard.js';
