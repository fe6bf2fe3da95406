import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Fetcher, FetcherHeaders, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import { GraphQLError } from 'graphql';

/** Read-only headers of a subgraph response, as Apollo's data source reads them. */
class ResponseHeaders implements FetcherHeaders {
  private readonly byName = new Map<string, string>();

  constructor(raw: IncomingMessage['headers']) {
    for (const [name, value] of Object.entries(raw))
      if (value !== undefined) this.byName.set(name, Array.isArray(value) ? value.join(', ') : value);
  }

  get(name: string): string | null {
    return this.byName.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.byName.has(name.toLowerCase());
  }
  set(name: string, value: string): void {
    this.byName.set(name.toLowerCase(), value);
  }
  append(name: string, value: string): void {
    const known = this.get(name);
    this.set(name, known === null ? value : `${known}, ${value}`);
  }
  delete(name: string): void {
    this.byName.delete(name.toLowerCase());
  }
  entries(): IterableIterator<[string, string]> {
    return this.byName.entries();
  }
  keys(): IterableIterator<string> {
    return this.byName.keys();
  }
  values(): IterableIterator<string> {
    return this.byName.values();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.byName.entries();
  }
}

/** A complete, buffered subgraph answer; every json() call parses afresh, so callers never share objects. */
function bufferedResponse(url: string, res: IncomingMessage, text: string): FetcherResponse {
  const status = res.statusCode ?? 0;
  const response: FetcherResponse = {
    url,
    status,
    ok: status >= 200 && status < 300,
    statusText: res.statusMessage ?? '',
    redirected: false,
    bodyUsed: false,
    headers: new ResponseHeaders(res.headers),
    text: async () => text,
    json: async () => JSON.parse(text) as unknown,
    arrayBuffer: async () => new TextEncoder().encode(text).buffer,
    clone: () => response,
  };
  return response;
}

export interface SubgraphFetcherOptions {
  name: string;
  timeoutMs: number;
  /** Open connections per subgraph; requests beyond it queue on the agent. */
  maxSockets?: number;
}

/**
 * Calls a subgraph over node:http with a keep-alive pool. Measured in test/bench: Node's fetch
 * (undici + WHATWG streams + an AbortSignal per call) cost ~40% of the gateway's throughput on the
 * federation workload; a plain request/response over pooled sockets does not. Each call has a
 * deadline, so a slow subgraph yields an error naming it instead of a hung request.
 */
export function subgraphFetcher({ name, timeoutMs, maxSockets = 128 }: SubgraphFetcherOptions): Fetcher {
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets }),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets }),
  };
  // Names the subgraph, never its address: the reason (e.g. "connect ECONNREFUSED 10.0.0.7:4001")
  // is kept for the logs and for development answers, and masked in production (errors/).
  const unavailable = (reason: string) =>
    new GraphQLError(`subgraph "${name}" is unreachable`, {
      extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: name, reason },
    });

  const fetcher = (url: string, init: FetcherRequestInit = {}): Promise<FetcherResponse> =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const https = target.protocol === 'https:';
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(init.headers ?? {})) headers[key] = value;
      const req = (https ? httpsRequest : httpRequest)(target, {
        method: init.method ?? 'POST',
        headers,
        agent: agents[https ? 'https:' : 'http:'],
      });
      const deadline = setTimeout(() => {
        req.destroy();
        reject(
          new GraphQLError(`subgraph "${name}" did not answer within ${timeoutMs} ms`, {
            extensions: { code: 'SUBGRAPH_TIMEOUT', serviceName: name },
          }),
        );
      }, timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(deadline);
        reject(unavailable(error.message));
      };
      req.on('error', fail);
      req.on('response', (res) => {
        res.setEncoding('utf8');
        let text = '';
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', fail);
        res.on('end', () => {
          clearTimeout(deadline);
          resolve(bufferedResponse(url, res, text));
        });
      });
      req.end(init.body);
    });
  return fetcher;
}
