import type { EventsRedis } from '@aetherial/events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '@aetherial/subgraph-kit';
import type { GraphQLSchema } from 'graphql';
import type { Registry } from 'prom-client';
import { startEventSource } from './event-source.js';
import type { OperationCheck } from './prepare-subscription.js';
import type { ExecuteAsViewer } from './resolve-event.js';
import { createSseHandler, isEventStreamRequest } from './sse-handler.js';
import { createSubscriptionService, type SubscriptionLimits } from './subscription-service.js';
import type { VerifyAuthorization } from './viewer.js';
import { createWsServer, type ExecuteOperation } from './ws-server.js';

export { isEventStreamRequest };

export interface RunningSubscriptions {
  /** The http server's `upgrade` for /graphql: graphql-ws. */
  handleUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** A /graphql request with `Accept: text/event-stream`: GraphQL over SSE. */
  handleEventStream: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Completes every subscription (their clients get `complete`), closes the sockets, stops reading events. */
  stop: () => Promise<void>;
}

/**
 * Subscriptions of the supergraph, served by the gateway itself: a reader of the domain-event
 * stream, the registry that routes each event to the subscriptions it is for, and the two
 * transports. Each event is resolved as a query through the gateway (`executeAsViewer`).
 */
export function startSubscriptions(options: {
  schema: () => GraphQLSchema | undefined;
  verify: VerifyAuthorization;
  /** Queries synthesized for events: the gateway's executor without the response cache. */
  executeAsViewer: ExecuteAsViewer;
  /** Queries and mutations a client sends over WebSocket or SSE: exactly as over HTTP. */
  executeOperation: ExecuteOperation;
  checkOperation: OperationCheck;
  limits: SubscriptionLimits;
  redis: EventsRedis;
  stream: string;
  log: Logger;
  registry: Registry;
  maxBodyBytes: number;
  keepAliveMs: number;
  production: boolean;
}): RunningSubscriptions {
  const log = options.log.child({ component: 'subscriptions' });
  const service = createSubscriptionService({
    schema: options.schema,
    execute: options.executeAsViewer,
    checkOperation: options.checkOperation,
    limits: options.limits,
    registry: options.registry,
    log,
  });
  const source = startEventSource({
    redis: options.redis,
    stream: options.stream,
    log,
    wants: service.wants,
    deliver: service.dispatch,
  });
  const ws = createWsServer({
    service,
    verify: options.verify,
    executeOperation: options.executeOperation,
    log,
    maxPayloadBytes: options.maxBodyBytes,
    keepAliveMs: options.keepAliveMs,
    production: options.production,
  });
  const sse = createSseHandler({
    service,
    verify: options.verify,
    executeOperation: options.executeOperation,
    maxBodyBytes: options.maxBodyBytes,
  });
  return {
    handleUpgrade: ws.handleUpgrade,
    handleEventStream: sse,
    stop: async () => {
      service.endAll('shutdown');
      await ws.stop();
      await source.stop();
    },
  };
}
