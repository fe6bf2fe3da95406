import { randomUUID } from 'node:crypto';
import type { ApolloServer } from '@apollo/server';
import type { Logger } from '@aetherial/subgraph-kit';
import type { FormattedExecutionResult } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { Subscriber } from './viewer.js';

/**
 * Runs an operation through the gateway's Apollo Server (limits, query planning, subgraph calls
 * signed for the viewer, metrics) as the subscriber. Event queries skip the response cache: a cached
 * answer from before the event would be delivered as the event's.
 */
export function executeThroughGateway(apollo: ApolloServer<GatewayContext>, log: Logger) {
  return async (
    request: { query: string; operationName?: string; variables?: Record<string, unknown> },
    subscriber: Subscriber,
    { bypassResponseCache }: { bypassResponseCache: boolean },
  ): Promise<FormattedExecutionResult> => {
    const requestId = randomUUID();
    const response = await apollo.executeOperation(request, {
      contextValue: {
        viewerId: subscriber.viewerId,
        scopes: subscriber.scopes,
        clientIp: subscriber.clientIp,
        requestId,
        log: log.child({ requestId }),
        cacheTags: new Set<string>(),
        bypassResponseCache,
      },
    });
    if (response.body.kind === 'single') return response.body.singleResult;
    return {
      errors: [{ message: 'incremental delivery is not served here', extensions: { code: 'BAD_REQUEST' } }],
    };
  };
}
