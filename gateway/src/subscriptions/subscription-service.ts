import type { DomainEvent } from '@aetherial/events';
import type { Logger } from '@aetherial/subgraph-kit';
import { GraphQLError, type DocumentNode, type FormattedExecutionResult, type GraphQLSchema } from 'graphql';
import { Counter, Gauge, type Registry } from 'prom-client';
import { EventSubscription, type EndReason } from './event-subscription.js';
import { postAuthorEnricher } from './post-author.js';
import { prepareSubscription, type OperationCheck } from './prepare-subscription.js';
import type { Subscriber } from './viewer.js';
import { SubscriptionRegistry } from './registry.js';
import { eventResolver, type ExecuteAsViewer } from './resolve-event.js';
import { feedFollows } from './feed-follows.js';
import { subscriptionRoutes } from './routes.js';

export interface SubscriptionLimits {
  /** Active subscriptions one WebSocket connection may hold. */
  perConnection: number;
  /** Active subscriptions of this gateway process, over every connection. */
  perProcess: number;
  /** Events waiting for one subscription before it is ended as a slow consumer. */
  maxQueued: number;
}

export type Transport = 'ws' | 'sse';

/** What the transports (ws-server, sse-handler) share: preparing, registering and ending subscriptions. */
export interface SubscriptionService {
  schema: () => GraphQLSchema | undefined;
  limits: SubscriptionLimits;
  /** A validated subscription, registered for its events; GraphQL errors when refused. */
  subscribe: (request: {
    transport: Transport;
    document: DocumentNode;
    operationName: string | null | undefined;
    variables: Record<string, unknown> | null | undefined;
    subscriber: Subscriber;
    onSlowConsumer: (subscription: EventSubscription) => void;
  }) => EventSubscription | readonly GraphQLError[];
  /** Hands an event from the stream to the subscriptions it is for (in stream order: await it). */
  dispatch: (event: DomainEvent) => Promise<void>;
  wants: (eventType: string) => boolean;
  endAll: (reason: EndReason) => void;
  readonly active: number;
}

export const slowConsumerError = (maxQueued: number): FormattedExecutionResult => ({
  data: null,
  errors: [
    {
      message: `slow consumer: more than ${maxQueued} events were waiting for delivery; subscribe again`,
      extensions: { code: 'SLOW_CONSUMER' },
    },
  ],
});

export function createSubscriptionService(options: {
  schema: () => GraphQLSchema | undefined;
  execute: ExecuteAsViewer;
  checkOperation: OperationCheck;
  limits: SubscriptionLimits;
  registry: Registry;
  log: Logger;
}): SubscriptionService {
  const { limits, log } = options;
  const subscriptions = new SubscriptionRegistry();
  const metrics = {
    active: new Gauge({
      name: 'gateway_subscriptions_active',
      help: 'Active subscriptions of this gateway process',
      labelNames: ['transport'] as const,
      registers: [options.registry],
    }),
    events: new Counter({
      name: 'gateway_subscription_events_total',
      help: 'Events handed to subscriptions (one per subscription it passed the filter of), by event type',
      labelNames: ['type'] as const,
      registers: [options.registry],
    }),
    ended: new Counter({
      name: 'gateway_subscriptions_ended_total',
      help: 'Subscriptions ended, by reason (client, shutdown, slow-consumer, token-expired, error)',
      labelNames: ['reason'] as const,
      registers: [options.registry],
    }),
  };
  const withPostAuthor = postAuthorEnricher({
    execute: options.execute,
    wanted: (type) => subscriptions.wantsFor(type, 'notifications'),
  });
  const feed = feedFollows({ execute: options.execute, log });
  const routes = { ...subscriptionRoutes, feedUpdated: feed.route };
  const resolver = eventResolver({
    schema: () => {
      const schema = options.schema();
      if (!schema) throw new Error('no supergraph loaded');
      return schema;
    },
    execute: options.execute,
  });

  return {
    schema: options.schema,
    limits,
    get active() {
      return subscriptions.size;
    },
    wants: (type) => subscriptions.wants(type) || feed.wants(type),
    dispatch: async (event) => {
      feed.observe(event);
      let routed = event;
      try {
        routed = await withPostAuthor(event);
      } catch (error) {
        log.warn(
          { err: (error as Error).message, eventId: event.eventId },
          'post author of a like not found',
        );
      }
      const handed = subscriptions.dispatch(routed);
      if (handed > 0) metrics.events.inc({ type: event.type }, handed);
    },
    endAll: (reason) => subscriptions.endAll(reason),
    subscribe: ({ transport, document, operationName, variables, subscriber, onSlowConsumer }) => {
      const { viewerId } = subscriber;
      const schema = options.schema();
      if (!schema)
        return [
          new GraphQLError('the gateway has no supergraph yet', { extensions: { code: 'UNAVAILABLE' } }),
        ];
      if (subscriptions.size >= limits.perProcess)
        return [
          new GraphQLError(
            `this gateway holds its maximum of ${limits.perProcess} subscriptions; try again later`,
            {
              extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
            },
          ),
        ];
      const prepared = prepareSubscription({
        schema,
        document,
        operationName,
        variables,
        subscriber,
        checkOperation: options.checkOperation,
        routes,
      });
      if (!('fieldName' in prepared)) return prepared;
      const { route } = prepared;
      const subscription = new EventSubscription(prepared, {
        maxQueued: limits.maxQueued,
        resolve: resolver.resolve,
        onSlowConsumer,
        onEnd: (ended, reason) => {
          subscriptions.remove(ended);
          route.detach?.(viewerId);
          metrics.active.dec({ transport });
          metrics.ended.inc({ reason });
          if (reason !== 'client')
            log.info(
              { field: prepared.fieldName, viewerId, transport, reason },
              'subscription ended by the gateway',
            );
        },
      });
      subscriptions.add(subscription);
      metrics.active.inc({ transport });
      route.attach?.(viewerId).catch((error: unknown) => {
        log.warn(
          { field: prepared.fieldName, viewerId, err: (error as Error).message },
          'subscription not served',
        );
        subscription.end('error', {
          data: null,
          errors: [
            {
              message: `${prepared.fieldName} cannot be served now: ${(error as Error).message}`,
              extensions: { code: 'UNAVAILABLE' },
            },
          ],
        });
      });
      return subscription;
    },
  };
}
