import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { Kind, parse, print, type SelectionSetNode } from 'graphql';

/**
 * How deep the explorer's schema query describes wrapped types (`[Post!]!` is three wrappers
 * deep). GraphiQL's standard introspection nests `ofType` nine times, 15 levels in all, which the
 * gateway's depth limit (GATEWAY_MAX_DEPTH, 12 by default) refuses; six wrappers give 12 levels
 * and describe every type of this graph (and any type up to `[[T!]!]!`).
 */
export const TYPE_WRAPPER_DEPTH = 6;

/** Keeps `levels` nested `ofType` selections and drops the ones below. */
function truncateOfType(selectionSet: SelectionSetNode, levels: number): SelectionSetNode {
  return {
    ...selectionSet,
    selections: selectionSet.selections.flatMap((selection) => {
      if (selection.kind !== Kind.FIELD || selection.name.value !== 'ofType' || !selection.selectionSet)
        return [selection];
      if (levels === 0) return [];
      return [{ ...selection, selectionSet: truncateOfType(selection.selectionSet, levels - 1) }];
    }),
  };
}

/** GraphiQL's introspection query with its TypeRef fragment cut to TYPE_WRAPPER_DEPTH. */
export function shallowIntrospection(query: string): string {
  const document = parse(query);
  return print({
    ...document,
    definitions: document.definitions.map((definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === 'TypeRef'
        ? { ...definition, selectionSet: truncateOfType(definition.selectionSet, TYPE_WRAPPER_DEPTH) }
        : definition,
    ),
  });
}

/**
 * Queries and mutations over HTTP; subscriptions over graphql-ws on the same path (the socket
 * opens only when a subscription runs: graphql-ws connects lazily); the schema with the
 * shallower introspection query.
 */
export function explorerFetcher(endpointPath: string): Fetcher {
  const url = new URL(endpointPath, window.location.href);
  const websocketScheme = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const schemaFetcher = createGraphiQLFetcher({ url: url.toString(), enableIncrementalDelivery: false });
  return createGraphiQLFetcher({
    url: url.toString(),
    subscriptionUrl: `${websocketScheme}//${url.host}${url.pathname}`,
    schemaFetcher: (params, options) =>
      schemaFetcher({ ...params, query: shallowIntrospection(params.query) }, options),
  });
}
