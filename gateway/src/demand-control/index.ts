import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { GatewayContext } from '../context.js';
import { costDirectives, type CostDirectives } from './cost-directives.js';
import { operationDigest } from '../cache/response-cache-key.js';
import { CostLimitPassed, estimateCost, type CostLimits } from './estimate.js';

/** Passed operations remembered for the cache-hit fast path (oldest dropped first). */
const PASSED_ENTRIES = 5000;

export type { CostLimits } from './estimate.js';

function limitError(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}

/**
 * Demand control before planning: depth, aliases and the schema-aware cost estimate (see
 * estimate.ts) of the operation about to run, checked in `didResolveOperation`, after parsing and
 * validation (cached per document by Apollo Server) and with the request's variables, so an
 * abusive query costs a linear walk, never a query plan or a subgraph call. The estimate is
 * reported in `extensions.cost.estimated`.
 */
export class DemandControl {
  private directives: CostDirectives = { weights: new Map(), listSizes: new Map() };
  /** Operations that passed, by `operationDigest` (document, operation name, variables), with their cost. */
  private readonly passed = new Map<string, number>();

  constructor(private readonly limits: CostLimits) {}

  update(supergraph: DocumentNode): void {
    this.directives = costDirectives(supergraph);
    this.passed.clear(); // another schema, other costs
  }

  /**
   * The estimated cost of an operation this process already let through with these limits and
   * this schema, else undefined: the cache-hit fast path serves only those, without a parse. The
   * same document and variables always get the same decision, so the memo is exact.
   */
  knownCost(digest: string): number | undefined {
    return this.passed.get(digest);
  }

  private remember(digest: string, cost: number): void {
    if (this.passed.has(digest)) return;
    if (this.passed.size >= PASSED_ENTRIES) this.passed.delete(this.passed.keys().next().value!);
    this.passed.set(digest, cost);
  }

  /**
   * Depth, aliases and estimated cost of one operation (the plugin's check, also used for a
   * subscription before the gateway accepts it); throws the limit's GraphQLError, else the cost.
   */
  check(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Record<string, unknown>,
  ): number {
    const { limits } = this;
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of document.definitions)
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    const name = operation.name?.value ?? 'anonymous operation';
    let measure;
    try {
      measure = estimateCost(schema, this.directives, operation, fragments, variables, limits);
    } catch (error) {
      if (!(error instanceof CostLimitPassed)) throw error;
      throw limitError(
        'QUERY_TOO_COSTLY',
        `${name} has an estimated cost of more than ${limits.maxCost} (the limit; lower the "first" arguments)`,
      );
    }
    if (measure.depth > limits.maxDepth)
      throw limitError(
        'QUERY_TOO_DEEP',
        `${name} is ${measure.depth} levels deep; the limit is ${limits.maxDepth}`,
      );
    if (measure.aliases > limits.maxAliases)
      throw limitError(
        'TOO_MANY_ALIASES',
        `${name} uses ${measure.aliases} aliases; the limit is ${limits.maxAliases}`,
      );
    return measure.cost;
  }

  plugin(): ApolloServerPlugin<GatewayContext> {
    return {
      requestDidStart: async () => {
        let estimated: number | undefined;
        return {
          didResolveOperation: async ({ document, operation, request, schema, queryHash }) => {
            if (!operation) return; // no such operation: Apollo Server answers that itself
            estimated = this.check(schema, document, operation, request.variables ?? {});
            if (operation.operation === 'query')
              this.remember(operationDigest(queryHash, request.operationName, request.variables), estimated);
          },
          willSendResponse: async ({ response }) => {
            if (estimated === undefined || response.body.kind !== 'single') return;
            const result = response.body.singleResult;
            result.extensions = { ...result.extensions, cost: { estimated } };
          },
        };
      },
    };
  }
}
