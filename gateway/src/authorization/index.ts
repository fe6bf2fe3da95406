import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayExecutionResult, GatewayInterface } from '@apollo/server-gateway-interface';
import {
  print,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { GatewayContext } from '../context.js';
import { replaceExecutor } from '../executor/replace-executor.js';
import { accessRules, type AccessRules } from './access-rules.js';
import { denialError, filterOperation, type FilteredOperation } from './filter-operation.js';
import { resolverFreeSchema, restoreDenied } from './restore-denied.js';

/** Filtered operations kept per document and viewer class (authenticated or not, set of scopes). */
const CACHE_ENTRIES = 2000;

interface SchemaState {
  schema: GraphQLSchema;
  /** `schema` without resolvers, to put denied fields back into answers. */
  answerSchema: GraphQLSchema;
  rules: AccessRules;
  filtered: Map<string, FilteredOperation>;
}

/** The memo's key: the document, the operation, and the viewer class (authenticated or not, set of scopes). */
function filterKey(
  queryHash: string,
  operationName: string | null | undefined,
  viewer: Pick<GatewayContext, 'viewerId' | 'scopes'>,
): string {
  const scopes = [...new Set(viewer.scopes)].sort();
  return `${queryHash}\n${operationName ?? ''}\n${viewer.viewerId !== null ? 1 : 0}\n${scopes.join(' ')}`;
}

/**
 * Enforces the Federation authorization directives (`@authenticated`, `@requiresScopes`, `@policy`)
 * at the gateway before planning, as Apollo Router does: the fields the viewer may not read are
 * taken out of the operation in `didResolveOperation` (so neither the plan nor the response cache
 * ever sees them), the rest is planned and executed, and the gateway's executor puts them back as
 * null with an UNAUTHORIZED/FORBIDDEN error at their path.
 */
export class GatewayAuthorization {
  private state: SchemaState | undefined;
  /** Requests whose operation lost fields, with what they lost. */
  private readonly filteredRequests = new WeakMap<object, FilteredOperation>();

  /** Called on every supergraph (re)load, with the API schema and the supergraph it came from. */
  update(apiSchema: GraphQLSchema, supergraph: DocumentNode): void {
    const rules = accessRules(supergraph, apiSchema);
    this.state = {
      schema: apiSchema,
      answerSchema: rules.size > 0 ? resolverFreeSchema(apiSchema) : apiSchema,
      rules,
      filtered: new Map(),
    };
  }

  /** Field coordinates with an access rule (for tests and logs). */
  get ruleCount(): number {
    return this.state?.rules.size ?? 0;
  }

  private filter(
    document: DocumentNode,
    queryHash: string,
    operationName: string | null | undefined,
    context: Pick<GatewayContext, 'viewerId' | 'scopes'>,
  ): FilteredOperation | undefined {
    const state = this.state;
    if (!state || state.rules.size === 0) return undefined;
    const scopes = [...new Set(context.scopes)].sort();
    const authenticated = context.viewerId !== null;
    const key = filterKey(queryHash, operationName, context);
    let filtered = state.filtered.get(key);
    if (filtered) {
      state.filtered.delete(key); // most recently used last
    } else {
      filtered = filterOperation(state.schema, state.rules, document, operationName, {
        authenticated,
        scopes: new Set(scopes),
      });
      if (state.filtered.size >= CACHE_ENTRIES) state.filtered.delete(state.filtered.keys().next().value!);
    }
    state.filtered.set(key, filtered);
    return filtered;
  }

  /**
   * Whether the operation is known to lose no field for this viewer class, from the memo of earlier
   * requests alone (no parse): the cache-hit fast path serves only those, and leaves every other
   * request (first seen, or with denied fields) to the pipeline, which decides and remembers.
   */
  knownToAllowAll(
    queryHash: string,
    operationName: string | null | undefined,
    viewer: Pick<GatewayContext, 'viewerId' | 'scopes'>,
  ): boolean {
    const state = this.state;
    if (!state) return false;
    if (state.rules.size === 0) return true;
    const filtered = state.filtered.get(filterKey(queryHash, operationName, viewer));
    return filtered !== undefined && filtered.denied.size === 0;
  }

  /**
   * A subscription served over WebSocket or SSE is refused whole when it touches a field the
   * subscriber may not read, as over HTTP: its events are resolved outside this executor.
   */
  checkSubscription(
    document: DocumentNode,
    operation: OperationDefinitionNode,
    subscriber: Pick<GatewayContext, 'viewerId' | 'scopes'>,
  ): void {
    const filtered = this.filter(
      document,
      `subscription:${print(document)}`,
      operation.name?.value,
      subscriber,
    );
    if (filtered && filtered.denied.size > 0) throw denialError(filtered.denied.values().next().value!);
  }

  plugin(): ApolloServerPlugin<GatewayContext> {
    return {
      requestDidStart: async () => ({
        didResolveOperation: async (requestContext) => {
          const { document, queryHash, request, contextValue, operation } = requestContext;
          if (!queryHash || !operation) return;
          const filtered = this.filter(document, queryHash, request.operationName, contextValue);
          if (!filtered || filtered.denied.size === 0) return;
          // A subscription's events are not answered through the executor below: refuse it whole.
          if (operation.operation === 'subscription')
            throw denialError(filtered.denied.values().next().value!);
          this.filteredRequests.set(contextValue, filtered);
          // Apollo Server hands the gateway `requestContext.document` and keys the query plan and
          // the response cache by `queryHash`: the filtered document gets a hash of its own.
          const writable = requestContext as { document: DocumentNode; queryHash: string };
          writable.document = filtered.document;
          writable.queryHash = `${queryHash}:authz:${filtered.fingerprint}`;
        },
      }),
    };
  }

  /** The gateway with an executor that answers the denied fields of a filtered request. */
  wrap(gateway: GatewayInterface): GatewayInterface {
    return replaceExecutor(gateway, (execute) => async (requestContext) => {
      const answer = await execute(requestContext);
      const filtered = this.filteredRequests.get(requestContext.context);
      const state = this.state;
      if (!filtered || !state) return answer;
      const restored = await restoreDenied(
        state.answerSchema,
        filtered,
        answer as ExecutionResult,
        requestContext.request.variables,
        requestContext.request.operationName,
      );
      return restored as GatewayExecutionResult & { errors?: readonly GraphQLError[] };
    });
  }
}
