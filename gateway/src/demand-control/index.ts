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
import { CostLimitPassed, estimateCost, type CostLimits } from './estimate.js';

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

  constructor(private readonly limits: CostLimits) {}

  update(supergraph: DocumentNode): void {
    this.directives = costDirectives(supergraph);
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
          didResolveOperation: async ({ document, operation, request, schema }) => {
            if (!operation) return; // no such operation: Apollo Server answers that itself
            estimated = this.check(schema, document, operation, request.variables ?? {});
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
