import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { CACHE_TAGS_EXTENSION, signViewerHeaders } from '@aetherial/subgraph-kit';
import type { Fetcher } from '@apollo/utils.fetcher';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from './context.js';
import type { GatewayMetrics } from './metrics.js';

export interface SubgraphCallOptions {
  name: string;
  url: string;
  secret: string;
  timeoutMs: number;
  metrics: GatewayMetrics;
}

/**
 * Node's fetch (undici) keeps connections to subgraphs alive and pooled; each call gets a deadline
 * so a slow subgraph yields an error for its fields instead of a hung request.
 */
function fetcherWithDeadline(name: string, timeoutMs: number): Fetcher {
  const fetcher = async (url: string, init?: Parameters<typeof fetch>[1]) => {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      throw new GraphQLError(
        timedOut
          ? `subgraph "${name}" did not answer within ${timeoutMs} ms`
          : `subgraph "${name}" is unreachable (${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message})`,
        { extensions: { code: timedOut ? 'SUBGRAPH_TIMEOUT' : 'SUBGRAPH_UNAVAILABLE', serviceName: name } },
      );
    }
  };
  return fetcher as unknown as Fetcher;
}

/** Calls one subgraph: signs the viewer, passes the request id, collects cache tags and metrics. */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly options: SubgraphCallOptions;

  constructor(options: SubgraphCallOptions) {
    super({ url: options.url, fetcher: fetcherWithDeadline(options.name, options.timeoutMs) });
    this.options = options;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = signViewerHeaders(
      this.options.secret,
      context?.viewerId ?? null,
      context?.requestId ?? 'internal',
    );
    for (const [key, value] of Object.entries(headers)) request.http?.headers.set(key, value);
  }

  override async process(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): Promise<GatewayGraphQLResponse> {
    const { metrics, name } = this.options;
    const stop = metrics.subgraphDuration.startTimer({ subgraph: name });
    try {
      const response = await super.process(options);
      stop();
      if (response.errors?.length)
        metrics.subgraphErrors.inc({ subgraph: name, kind: 'graphql' }, response.errors.length);
      const tags = response.extensions?.[CACHE_TAGS_EXTENSION];
      if (Array.isArray(tags) && options.context?.cacheTags) {
        for (const tag of tags) if (typeof tag === 'string') options.context.cacheTags.add(tag);
      }
      return response;
    } catch (error) {
      stop();
      metrics.subgraphErrors.inc({ subgraph: name, kind: 'transport' });
      throw error;
    }
  }
}
