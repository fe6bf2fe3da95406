import type { ApolloGateway, GraphQLDataSource } from '@apollo/gateway';
import type { Schema } from '@apollo/federation-internals';
import type { QueryPlan, QueryPlanner } from '@apollo/query-planner';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { GraphQLError, GraphQLSchema } from 'graphql';
import type { OperationContext } from '@apollo/gateway/dist/operationContext.js';

/**
 * The members of `ApolloGateway` (2.14.4, pinned) the lean executor shares with Apollo's own:
 * the schemas, the query planner and the query plan cache, the data sources and the variable
 * check. They are private in Apollo's types; this is the one place that names them, and
 * `lean-executor.test.ts` fails when an upgrade renames one.
 */
export interface ApolloGatewayInternals {
  schema?: GraphQLSchema;
  apiSchema?: Schema;
  supergraphSchema?: GraphQLSchema;
  queryPlanner?: QueryPlanner;
  queryPlanStore: KeyValueCache<QueryPlan>;
  serviceMap: Record<string, { dataSource: GraphQLDataSource }>;
  recursiveSelectionsLimitDisabled: boolean;
  nonLocalSelectionsLimitDisabled: boolean;
  validateIncomingRequest(
    requestContext: GatewayGraphQLRequestContext,
    operationContext: OperationContext,
  ): readonly GraphQLError[];
}

export function gatewayInternals(gateway: ApolloGateway): ApolloGatewayInternals {
  return gateway as unknown as ApolloGatewayInternals;
}
