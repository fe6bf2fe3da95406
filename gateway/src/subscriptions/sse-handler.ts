import type { IncomingMessage, ServerResponse } from 'node:http';
import { PayloadTooLargeError, readBody } from '@aetherial/subgraph-kit';
import { getOperationAST, GraphQLError, parse, type GraphQLFormattedError } from 'graphql';
import { createHandler, type Response } from 'graphql-sse';
import { EventSubscription } from './event-subscription.js';
import { slowConsumerError, type SubscriptionService } from './subscription-service.js';
import { atExpiry, connectionViewer, TOKEN_EXPIRED, type VerifyAuthorization } from './viewer.js';
import type { ExecuteOperation } from './ws-server.js';

/** GraphQL over SSE is asked for with `Accept: text/event-stream` (graphql-sse's client, EventSource, curl). */
export function isEventStreamRequest(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.split(',').some((part) => part.split(';')[0]!.trim().toLowerCase() === 'text/event-stream');
}

const refusal = (status: number, errors: readonly GraphQLFormattedError[]): Response => [
  JSON.stringify({ errors }),
  {
    status,
    statusText: status === 401 ? 'Unauthorized' : 'Bad Request',
    headers: { 'content-type': 'application/json; charset=utf-8' },
  },
];

const formatted = (errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
  errors.map((error) => error.toJSON());

/**
 * GraphQL over SSE in distinct connections mode (graphql-sse): one request per operation, the
 * viewer from the request's `Authorization` header, a subscription's events as `next` events,
 * keep-alive comments every 12 s (graphql-sse's own), and `complete` when it ends. A refused
 * subscription answers 401/400 with JSON errors before the stream opens. The body is read with the
 * gateway's size limit. The token's expiry or a slow consumer ends the stream with an error event.
 */
export function createSseHandler(options: {
  service: SubscriptionService;
  verify: VerifyAuthorization;
  executeOperation: ExecuteOperation;
  maxBodyBytes: number;
}) {
  const { service } = options;
  const handler = createHandler<IncomingMessage, { res: ServerResponse }>({
    // No single connection mode: every request is its own stream.
    authenticate: () => null as never,
    onSubscribe: async (req, params) => {
      let viewer;
      try {
        viewer = await connectionViewer(
          options.verify,
          req.headers.get('authorization') ?? undefined,
          req.raw.socket.remoteAddress ?? 'unknown',
        );
      } catch (error) {
        return refusal(
          401,
          formatted([error instanceof GraphQLError ? error : new GraphQLError('invalid token')]),
        ) as never;
      }
      let document;
      try {
        document = parse(params.query, { maxTokens: 10_000 });
      } catch (error) {
        return refusal(400, formatted([error as GraphQLError])) as never;
      }
      const operation = getOperationAST(document, params.operationName);
      if (operation?.operation !== 'subscription') {
        const result = await options.executeOperation(
          {
            query: params.query,
            ...(params.operationName ? { operationName: params.operationName } : {}),
            ...(params.variables ? { variables: params.variables } : {}),
          },
          viewer,
        );
        return { data: null, ...result } as never;
      }
      const subscription = service.subscribe({
        transport: 'sse',
        document,
        operationName: params.operationName,
        variables: params.variables,
        subscriber: viewer,
        onSlowConsumer: (slow) => slow.end('slow-consumer', slowConsumerError(service.limits.maxQueued)),
      });
      if (!(subscription instanceof EventSubscription)) {
        const unauthenticated = subscription.some((error) => error.extensions.code === 'UNAUTHENTICATED');
        return refusal(unauthenticated ? 401 : 400, formatted(subscription)) as never;
      }
      const stopExpiryTimer = atExpiry(viewer.expiresAt, () =>
        subscription.end('token-expired', {
          data: null,
          errors: [{ message: TOKEN_EXPIRED, extensions: { code: 'UNAUTHENTICATED' } }],
        }),
      );
      // The response's close: the request's own fires as soon as its body has been read.
      req.context.res.once('close', stopExpiryTimer);
      return subscription as never;
    },
  });

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let body: string | undefined;
    if (req.method === 'POST') {
      try {
        body = await readBody(req, options.maxBodyBytes);
      } catch (error) {
        if (!(error instanceof PayloadTooLargeError)) throw error;
        res.writeHead(413, { 'content-type': 'application/json; charset=utf-8' });
        res.end(
          JSON.stringify({ errors: [{ message: error.message, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] }),
        );
        return;
      }
    }
    // graphql-sse's node adapter, with the body read above (bounded) and Accept normalised.
    const [stream, init] = await handler({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: {
        get: (key: string) => {
          if (key.toLowerCase() === 'accept') return 'text/event-stream';
          const value = req.headers[key.toLowerCase()];
          return Array.isArray(value) ? value.join('\n') : value;
        },
      },
      body: body ?? null,
      raw: req,
      context: { res },
    });
    res.writeHead(init.status, init.statusText, init.headers as Record<string, string>);
    if (!stream || typeof stream === 'string') {
      res.end(stream);
      return;
    }
    const stop = () => void stream.return(undefined);
    res.once('close', stop);
    for await (const chunk of stream) {
      if (!res.writable) break;
      await new Promise<void>((resolve, reject) =>
        res.write(chunk, (error) => (error ? reject(error) : resolve())),
      );
    }
    res.off('close', stop);
    res.end();
  };
}
