import type { ApolloServerPlugin } from '@apollo/server';
import type { FormattedExecutionResult } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { GatewayMetrics } from '../metrics.js';
import { operationDigest, responseCacheKey, responseEntryKeys, usersInTags } from './response-cache-key.js';
import type { ResponseStore } from './response-store.js';

export const CACHE_STATUS_HEADER = 'x-cache';
type CacheStatus = 'HIT' | 'MISS' | 'BYPASS' | 'UNCACHEABLE';

interface ResponseCacheOptions {
  store: ResponseStore;
  metrics: GatewayMetrics;
  onRedisError: (error: Error) => void;
}

/**
 * Whole-response cache in Redis driven by the subgraphs' @cacheControl hints: the gateway's overall
 * policy is the most restrictive of every subgraph response (no hint: not cached). PUBLIC responses
 * are shared (anonymous and signed-in readers apart); PRIVATE ones are kept per viewer and never
 * served to anyone else. A viewer's own entry is read before the shared one (ResponseStore.lookup).
 * Each stored response is tagged with the entities and lists it holds so domain events and
 * mutations drop exactly what they change.
 */
export function responseCachePlugin({
  store,
  metrics,
  onRedisError,
}: ResponseCacheOptions): ApolloServerPlugin<GatewayContext> {
  const bypass = (error: Error): null => {
    metrics.cache.inc({ result: 'bypass' });
    onRedisError(error);
    return null;
  };
  return {
    async requestDidStart() {
      let status: CacheStatus = 'UNCACHEABLE';
      let generation = 0;
      let key = '';
      return {
        async responseForOperation(requestContext) {
          if (requestContext.operation?.operation !== 'query') return null;
          if (requestContext.contextValue.bypassResponseCache) return null; // stays UNCACHEABLE: not stored
          const { request, queryHash, contextValue } = requestContext;
          key = responseCacheKey(
            contextValue.scopes,
            operationDigest(queryHash ?? '', request.operationName, request.variables),
          );
          const { publicKey, privateKey } = responseEntryKeys(key, contextValue.viewerId);
          try {
            const found = await store.lookup(publicKey, privateKey, contextValue.viewerId);
            generation = found.generation;
            if (found.hit === null) {
              status = 'MISS';
              metrics.cache.inc({ result: 'miss' });
              return null;
            }
            status = 'HIT';
            metrics.cache.inc({ result: 'hit' });
            const result = JSON.parse(found.hit) as FormattedExecutionResult;
            return { body: { kind: 'single', singleResult: result }, http: requestContext.response.http };
          } catch (error) {
            status = 'BYPASS';
            return bypass(error as Error);
          }
        },
        async willSendResponse(requestContext) {
          const { response, contextValue, operation, overallCachePolicy } = requestContext;
          if (operation?.operation === 'mutation' && contextValue.cacheTags.size > 0) {
            // The next read after a mutation must see it: drop what it touched before answering.
            try {
              metrics.cacheInvalidations.inc(await store.invalidate([...contextValue.cacheTags]));
            } catch (error) {
              bypass(error as Error);
            }
          }
          const policy = status === 'MISS' ? overallCachePolicy.policyIfCacheable() : null;
          const scope = policy?.scope === 'PRIVATE' ? 'prv' : 'pub';
          // Never a cache candidate: a subgraph hinted it uncacheable (or not at all), or it is
          // private to a viewer and nobody is signed in.
          if (status === 'MISS' && (!policy || (scope === 'prv' && !contextValue.viewerId)))
            status = 'UNCACHEABLE';
          response.http.headers.set(CACHE_STATUS_HEADER, status);
          if (status !== 'MISS' || !policy || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (result.errors?.length || result.data === undefined) return;
          const entries = responseEntryKeys(key, contextValue.viewerId);
          const tags = [...contextValue.cacheTags];
          const users = scope === 'pub' ? usersInTags(tags) : [];
          // A shared answer that holds the viewer is one lookup skips for them: keep it as theirs.
          const theirs =
            scope === 'prv' || (contextValue.viewerId !== null && users.includes(contextValue.viewerId));
          const storedKey = theirs ? entries.privateKey! : entries.publicKey;
          try {
            await store.store(
              storedKey,
              JSON.stringify({ data: result.data }),
              policy.maxAge,
              generation,
              tags,
              theirs ? [] : users,
            );
          } catch (error) {
            bypass(error as Error);
          }
        },
      };
    },
  };
}
