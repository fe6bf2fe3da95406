import type { DomainEvent } from '@aetherial/events';
import type { FormattedExecutionResult, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { eventQuery } from './event-query.js';
import type { PreparedSubscription } from './prepare-subscription.js';
import type { Subscriber } from './viewer.js';

/** Runs a query through the gateway (planning, subgraph calls, limits) as the given viewer. */
export type ExecuteAsViewer = (
  query: string,
  variables: Record<string, unknown>,
  subscriber: Subscriber,
) => Promise<FormattedExecutionResult>;

/** What a subscriber receives for one event; undefined when the event is not visible to them. */
export type EventResult = FormattedExecutionResult | undefined;

/** Errors that mean "this viewer cannot see it", not "something failed". */
const INVISIBLE = new Set(['NOT_FOUND', 'FORBIDDEN', 'UNAUTHENTICATED']);

/**
 * Resolves events for subscriptions. Subscribers with the same query, variables and viewer share
 * one execution per event (a thousand anonymous `postAdded` subscribers cost one query), and the
 * gateway's own in-flight sharing joins identical subgraph calls of different subscribers.
 */
export function eventResolver(options: { schema: () => GraphQLSchema; execute: ExecuteAsViewer }) {
  const shared = new WeakMap<DomainEvent, Map<string, Promise<EventResult>>>();

  const run = async (event: DomainEvent, subscription: PreparedSubscription): Promise<EventResult> => {
    const { route, viewerId } = subscription;
    if (route.admits && !(await route.admits(event, viewerId))) return undefined;
    const payload = route.payload(event);
    if (!payload) return undefined;
    const query = eventQuery(options.schema(), subscription.selection, payload, subscription.variables);
    if (query.query === null) return { data: { [subscription.responseKey]: query.assemble({}) } };
    const key = `${subscription.viewerId ?? ''}\n${subscription.subscriber.scopes.join(' ')}\n${subscription.responseKey}\n${query.query}\n${JSON.stringify(query.variables)}\n${query.ownFields}`;
    let byQuery = shared.get(event);
    if (!byQuery) shared.set(event, (byQuery = new Map()));
    let pending = byQuery.get(key);
    if (!pending) {
      pending = options.execute(query.query, query.variables, subscription.subscriber).then((result) => {
        const value = query.assemble(result.data);
        if (value === undefined) {
          const invisible = (result.errors ?? []).every((error) =>
            INVISIBLE.has(String(error.extensions?.code)),
          );
          if (invisible) return undefined;
        }
        const errors = result.errors?.map((error): GraphQLFormattedError => ({
          ...error,
          ...(error.path
            ? {
                path: [
                  subscription.responseKey,
                  ...query.pathPrefix(String(error.path[0])),
                  ...error.path.slice(1),
                ],
              }
            : {}),
        }));
        return {
          data: value === undefined ? null : { [subscription.responseKey]: value },
          ...(errors?.length ? { errors } : {}),
        };
      });
      byQuery.set(key, pending);
    }
    return pending;
  };
  return { resolve: run };
}
