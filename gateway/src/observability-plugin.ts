import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from './context.js';
import { codeLabel } from './errors/known-codes.js';
import type { createGatewayMetrics } from './metrics.js';
import { CACHE_STATUS_HEADER } from './cache/response-cache-plugin.js';

/** Counts errors by code and logs each request as one JSON line with its request id. */
export function observabilityPlugin(
  metrics: ReturnType<typeof createGatewayMetrics>,
): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse({ response, operationName, errors }) {
          const ms = performance.now() - started;
          metrics.duration.observe(ms / 1000);
          const all =
            errors ?? (response.body.kind === 'single' ? response.body.singleResult.errors : undefined) ?? [];
          metrics.requests.inc({ outcome: all.length > 0 ? 'error' : 'ok' });
          for (const error of all) metrics.errors.inc({ code: codeLabel(error.extensions?.code) });
          contextValue.log.info(
            {
              operationName,
              ms: Math.round(ms * 10) / 10,
              errors: all.length,
              cache: response.http.headers.get(CACHE_STATUS_HEADER),
            },
            'request',
          );
        },
      };
    },
  };
}
