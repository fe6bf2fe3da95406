import { createHash } from 'node:crypto';
import { buildOperationContext, type ApolloGateway, type GraphQLDataSource } from '@apollo/gateway';
import type { OperationContext } from '@apollo/gateway/dist/operationContext.js';
import { operationFromDocument, type FieldSelection, type Operation } from '@apollo/federation-internals';
import type { QueryPlan } from '@apollo/query-planner';
import type {
  GatewayExecutionResult,
  GatewayExecutor,
  GatewayGraphQLRequestContext,
  GatewayInterface,
} from '@apollo/server-gateway-interface';
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  executeSync,
  visit,
  type DocumentNode,
  type FieldNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { Logger } from '@aetherial/subgraph-kit';
import { gatewayInternals } from './apollo-gateway-internals.js';
import { replaceExecutor } from './replace-executor.js';
import { executePlanNode } from './execute-plan.js';
import { ownValue } from './own-value.js';
import { ResponseShaper } from './shape-response.js';

/**
 * `GATEWAY_EXECUTOR=lean`: Apollo's planner, query plan cache and data sources, with the plan run
 * and the response shaped by this gateway (`execute-plan.ts`, `shape-response.ts`). What it
 * gains: the operation is turned into federation-internals' form and its selection sets compiled
 * once per plan instead of on every request, and the shaped objects are plain (fast) objects.
 * Requests it does not handle go to Apollo's executor unchanged: usage reporting that captures
 * traces, and the development header that asks for the query plan.
 */
export function withLeanExecutor(gateway: ApolloGateway, log: Logger): GatewayInterface {
  return replaceExecutor(gateway, (stock) => leanExecutor(gateway, stock, log));
}

/** What a plan needs beyond itself, built on its first request and kept as long as the plan. */
interface PreparedPlan {
  operation: Operation;
  shaper: ResponseShaper;
}

function leanExecutor(gateway: ApolloGateway, stock: GatewayExecutor, log: Logger): GatewayExecutor {
  const internals = gatewayInternals(gateway);
  const prepared = new WeakMap<QueryPlan, PreparedPlan>();

  const planFor = async (requestContext: GatewayGraphQLRequestContext): Promise<QueryPlan> => {
    const { request, document, queryHash } = requestContext;
    // Apollo's key, so both executors share one plan cache.
    const key = request.operationName
      ? createHash('sha256').update(queryHash).update(request.operationName).digest('hex')
      : queryHash;
    const cached = await internals.queryPlanStore.get(key);
    if (cached) return cached;
    if (!internals.queryPlanner || !internals.apiSchema) throw new Error('the gateway has no supergraph yet');
    const plan = internals.queryPlanner.buildQueryPlan(
      operationFromDocument(internals.apiSchema, document, { operationName: request.operationName }),
      {
        recursiveSelectionsLimitDisabled: internals.recursiveSelectionsLimitDisabled,
        nonLocalSelectionsLimitDisabled: internals.nonLocalSelectionsLimitDisabled,
      },
    );
    try {
      await internals.queryPlanStore.set(key, plan);
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'could not store the query plan');
    }
    return plan;
  };

  const prepare = (plan: QueryPlan, operationContext: OperationContext): PreparedPlan => {
    let ready = prepared.get(plan);
    if (!ready) {
      const document: DocumentNode = {
        kind: Kind.DOCUMENT,
        definitions: [operationContext.operation, ...Object.values(operationContext.fragments)],
      };
      const operation = operationFromDocument(internals.apiSchema!, document, { validate: false });
      const introspect = (selection: FieldSelection, variables: Record<string, unknown>) =>
        executeIntrospection(operationContext, selection, variables);
      ready = { operation, shaper: new ResponseShaper(operation, introspect) };
      prepared.set(plan, ready);
    }
    return ready;
  };

  return async (requestContext) => {
    const { request } = requestContext;
    if (requestContext.metrics?.captureTraces || request.http?.headers.get('apollo-query-plan-experimental'))
      return stock(requestContext);
    if (!internals.schema || !internals.supergraphSchema) return stock(requestContext);
    const operationContext = buildOperationContext({
      schema: internals.schema,
      operationDocument: requestContext.document,
      operationName: request.operationName,
    });
    const validationErrors = internals.validateIncomingRequest(requestContext, operationContext);
    if (validationErrors.length > 0) return { errors: validationErrors };
    const plan = await planFor(requestContext);
    let ready: PreparedPlan;
    try {
      ready = prepare(plan, operationContext);
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [error] };
      throw error;
    }
    if (plan.node?.kind === 'Subscription')
      throw new Error('Execution of subscriptions not supported by gateway');

    const serviceMap: Record<string, GraphQLDataSource> = Object.create(null) as Record<
      string,
      GraphQLDataSource
    >;
    for (const [name, { dataSource }] of Object.entries(internals.serviceMap)) serviceMap[name] = dataSource;
    const errors: GraphQLError[] = [];
    const merged: Record<string, unknown> = {};
    if (plan.node) {
      await executePlanNode(
        {
          operation: ready.operation,
          serviceMap,
          requestContext,
          supergraphSchema: internals.supergraphSchema,
          errors,
        },
        plan.node,
        { path: [], data: merged, fullResult: merged },
      );
    }
    return shapeResponse(ready.shaper, merged, request.variables, errors, log);
  };
}

function shapeResponse(
  shaper: ResponseShaper,
  merged: Record<string, unknown>,
  variables: Record<string, unknown> | undefined,
  errors: GraphQLError[],
  log: Logger,
): GatewayExecutionResult {
  try {
    const { data, errors: shapingErrors } = shaper.shape(merged, variables);
    if (errors.length === 0 && shapingErrors.length > 0)
      return { extensions: { valueCompletion: shapingErrors }, data };
    return errors.length === 0 ? { data } : { errors, data };
  } catch (error) {
    if (error instanceof GraphQLError) return { errors: [error] };
    if (error instanceof Error)
      return { errors: [new GraphQLError(error.message, { originalError: error })] };
    log.error({ err: String(error) }, 'unexpected error while shaping the response');
    return { errors: [new GraphQLError('Unexpected error during query plan execution')] };
  }
}

/** `__schema` / `__type` answered by the gateway's own schema (Apollo's `executeIntrospection`). */
function executeIntrospection(
  operationContext: OperationContext,
  selection: FieldSelection,
  variables: Record<string, unknown>,
): unknown {
  const field = selection.expandFragments().toSelectionNode();
  const used = new Set<string>();
  visit(field, { Variable: ({ name }) => void used.add(name.value) });
  const variableDefinitions: VariableDefinitionNode[] = (
    operationContext.operation.variableDefinitions ?? []
  ).filter((definition) => used.has(definition.variable.name.value));
  const { data, errors } = executeSync({
    schema: operationContext.schema,
    document: {
      kind: Kind.DOCUMENT,
      definitions: [
        {
          kind: Kind.OPERATION_DEFINITION,
          operation: OperationTypeNode.QUERY,
          variableDefinitions,
          selectionSet: { kind: Kind.SELECTION_SET, selections: [field] },
        },
      ],
    },
    rootValue: {},
    variableValues: variables,
  });
  if (errors?.length || !data)
    throw new Error(`introspection failed: ${errors?.map((e) => e.message).join('; ')}`);
  const responseName = (field as FieldNode).alias?.value ?? (field as FieldNode).name.value;
  return ownValue(data, responseName);
}
