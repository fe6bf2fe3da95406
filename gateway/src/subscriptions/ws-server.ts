import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '@aetherial/subgraph-kit';
import {
  getOperationAST,
  GraphQLError,
  parse,
  type ExecutionArgs,
  type FormattedExecutionResult,
} from 'graphql';
import { CloseCode, type Context } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { EventSubscription } from './event-subscription.js';
import { slowConsumerError, type SubscriptionService } from './subscription-service.js';
import {
  atExpiry,
  connectionViewer,
  TOKEN_EXPIRED,
  type Subscriber,
  type VerifyAuthorization,
} from './viewer.js';

/** Runs a query or mutation sent over a subscription transport through the gateway, as HTTP would. */
export type ExecuteOperation = (
  request: { query: string; operationName?: string; variables?: Record<string, unknown> },
  subscriber: Subscriber,
) => Promise<FormattedExecutionResult>;

/** Close codes: graphql-ws's 4401 (its client does not retry it) and a policy violation. */
export const CLOSE_UNAUTHORIZED = CloseCode.Unauthorized;
export const CLOSE_SLOW_CONSUMER = 1008;
export const CLOSE_GOING_AWAY = 1001;

interface ConnectionState {
  subscriber: Subscriber;
  stopExpiryTimer: () => void;
}

type OperationContext =
  | { kind: 'subscription'; subscription: EventSubscription }
  | { kind: 'operation'; query: string; subscriber: Subscriber };

const errorsOf = (error: unknown): GraphQLError[] =>
  error instanceof GraphQLError
    ? [error]
    : [new GraphQLError((error as Error).message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } })];

/**
 * graphql-ws (the protocol Apollo Client's GraphQLWsLink and urql use) on the gateway's /graphql.
 * `connection_init` carries `{ authorization: "Bearer <token>" }`; a bad token closes with 4401,
 * and so does the token's expiry. Queries and mutations sent over the socket run like HTTP ones.
 * Keep-alive: a WebSocket ping every `keepAliveMs`, the socket dropped when no pong comes back.
 */
export function createWsServer(options: {
  service: SubscriptionService;
  verify: VerifyAuthorization;
  executeOperation: ExecuteOperation;
  log: Logger;
  maxPayloadBytes: number;
  keepAliveMs: number;
  production: boolean;
}) {
  const { service, log } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes });
  const connections = new WeakMap<WebSocket, ConnectionState>();

  const closeSlowConsumer = (socket: WebSocket) => (subscription: EventSubscription) => {
    subscription.end('slow-consumer');
    socket.close(CLOSE_SLOW_CONSUMER, slowConsumerError(service.limits.maxQueued).errors![0]!.message);
  };

  const server = useServer<Record<string, unknown> | undefined>(
    {
      isProd: options.production,
      // graphql-ws waits 3 s for connection_init by default: too tight for a client on a busy machine.
      connectionInitWaitTimeout: 10_000,
      onConnect: async (ctx: Context<Record<string, unknown> | undefined, Extra>) => {
        const { socket } = ctx.extra;
        try {
          const viewer = await connectionViewer(
            options.verify,
            ctx.connectionParams?.authorization,
            ctx.extra.request.socket.remoteAddress ?? 'unknown',
          );
          const stopExpiryTimer = atExpiry(viewer.expiresAt, () =>
            socket.close(CLOSE_UNAUTHORIZED, TOKEN_EXPIRED),
          );
          connections.set(socket, { subscriber: viewer, stopExpiryTimer });
          return true;
        } catch (error) {
          socket.close(CLOSE_UNAUTHORIZED, errorsOf(error)[0]!.message);
          return false;
        }
      },
      onClose: (ctx) => connections.get(ctx.extra.socket)?.stopExpiryTimer(),
      onSubscribe: (ctx, id, payload) => {
        const connection = connections.get(ctx.extra.socket);
        if (!connection)
          return [
            new GraphQLError('connection not initialised', { extensions: { code: 'UNAUTHENTICATED' } }),
          ];
        let document;
        try {
          document = parse(payload.query, { maxTokens: 10_000 });
        } catch (error) {
          return errorsOf(error);
        }
        const schema = service.schema();
        if (!schema)
          return [
            new GraphQLError('the gateway has no supergraph yet', { extensions: { code: 'UNAVAILABLE' } }),
          ];
        const operation = getOperationAST(document, payload.operationName);
        const base = {
          schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
        };
        if (operation?.operation !== 'subscription') {
          const contextValue: OperationContext = {
            kind: 'operation',
            query: payload.query,
            subscriber: connection.subscriber,
          };
          return { ...base, contextValue };
        }
        // ctx.subscriptions already holds this one.
        const active = Object.keys(ctx.subscriptions).length;
        if (active > service.limits.perConnection)
          return [
            new GraphQLError(
              `a connection may hold ${service.limits.perConnection} active subscriptions; complete one first`,
              { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } },
            ),
          ];
        const subscription = service.subscribe({
          transport: 'ws',
          document,
          operationName: payload.operationName,
          variables: payload.variables,
          subscriber: connection.subscriber,
          onSlowConsumer: closeSlowConsumer(ctx.extra.socket),
        });
        if (!(subscription instanceof EventSubscription)) return [...subscription];
        const contextValue: OperationContext = { kind: 'subscription', subscription };
        return { ...base, contextValue };
      },
      subscribe: (args: ExecutionArgs) => {
        const context = args.contextValue as OperationContext;
        if (context.kind !== 'subscription') throw new Error('not a subscription');
        return context.subscription as never;
      },
      execute: async (args: ExecutionArgs) => {
        const context = args.contextValue as OperationContext;
        if (context.kind !== 'operation') throw new Error('not a query or mutation');
        const result = await options.executeOperation(
          {
            query: context.query,
            ...(args.operationName ? { operationName: args.operationName } : {}),
            ...(args.variableValues ? { variables: args.variableValues as Record<string, unknown> } : {}),
          },
          context.subscriber,
        );
        return result as never;
      },
      // Results are formatted already (errors as plain objects, not GraphQLError instances).
      onNext: (_ctx, _id, _payload, _args, result) => result as never,
    },
    wss,
    options.keepAliveMs,
  );

  return {
    handleUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      wss.handleUpgrade(request, socket, head, (client) => wss.emit('connection', client, request));
    },
    /** Completes every subscription towards its client, then closes the sockets (1001). */
    stop: async () => {
      await new Promise((resolve) => setTimeout(resolve, 50)); // let the completions go out
      for (const client of wss.clients) client.close(CLOSE_GOING_AWAY, 'gateway shutting down');
      try {
        await server.dispose();
      } catch (error) {
        log.warn({ err: error }, 'closing WebSocket server failed');
      }
    },
  };
}
