import type { Fetcher, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import { SCOPES_HEADER, VIEWER_HEADER } from '@aetherial/subgraph-kit';

/**
 * Only bodies that are plainly a query operation are shared: Apollo's data source serialises
 * `{"query":"…"`, and a query document either starts with `query` or is a bare selection set.
 * Mutations, subscriptions and anything else (e.g. a hash-only persisted query) go out as is.
 */
/** Asks the subgraph for a federated trace in its answer: a traced and an untraced call differ. */
const TRACE_HEADER = 'apollo-federation-include-trace';

const SHAREABLE_BODY = /^\{"query":"(?:query\b|\{)/;

/**
 * Identical subgraph requests in flight at the same moment (same URL, same viewer and scopes, same body: the
 * same operation and variables) share one upstream call; each caller then parses the answer itself,
 * so no two requests ever share result objects. The request id and signature headers differ per
 * request and are left out of the key on purpose: the answer does not depend on them.
 */
export function dedupeInFlight(fetcher: Fetcher, onShared: () => void): Fetcher {
  const inFlight = new Map<string, Promise<FetcherResponse>>();
  return (url: string, init: FetcherRequestInit = {}) => {
    const body = typeof init.body === 'string' ? init.body : undefined;
    if (body === undefined || !SHAREABLE_BODY.test(body)) return fetcher(url, init);
    const headers = init.headers ?? {};
    const key = `${url}\n${headers[VIEWER_HEADER] ?? ''}\n${headers[SCOPES_HEADER] ?? ''}\n${headers[TRACE_HEADER] ?? ''}\n${body}`;
    const pending = inFlight.get(key);
    if (pending) {
      onShared();
      return pending;
    }
    const call = fetcher(url, init).finally(() => inFlight.delete(key));
    inFlight.set(key, call);
    return call;
  };
}
