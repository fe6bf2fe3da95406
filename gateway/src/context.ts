import type { BaseContext } from '@apollo/server';
import type { Logger } from '@aetherial/subgraph-kit';

/** Per-request state of the gateway. */
export interface GatewayContext extends BaseContext {
  viewerId: string | null;
  /** The token's scopes (`customer`, `admin`, `catalog:write`, ...), checked against `@requiresScopes`; empty when anonymous. */
  scopes: readonly string[];
  requestId: string;
  /** The client's address (rate limits): the socket's peer, or X-Forwarded-For behind a trusted proxy. */
  clientIp: string;
  log: Logger;
  /** Entity and type tags reported by the subgraphs that answered (see subgraph-kit cache-tags). */
  cacheTags: Set<string>;
  /** Neither read nor written by the response cache (queries that resolve subscription events). */
  bypassResponseCache?: boolean;
}
