export * from './event.js';
export * from './relay.js';
export * from './consumer.js';
