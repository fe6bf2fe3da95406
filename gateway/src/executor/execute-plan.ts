import type { GraphQLDataSource } from '@apollo/gateway';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types.js';
import { applyRewrites, isObjectOfType } from '@apollo/gateway/dist/dataRewrites.js';
import { generateHydratedPaths } from '@apollo/gateway/dist/executeQueryPlan.js';
import { ERRORS, errorCodeDef, type Operation } from '@apollo/federation-internals';
import {
  evaluateCondition,
  getResponseName,
  type FetchNode,
  type PlanNode,
  type QueryPlanSelectionNode,
  type ResponsePath,
} from '@apollo/query-planner';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { ownValue } from './own-value.js';

/**
 * Runs an Apollo query plan's fetches and merges their answers: what `executeNode` and
 * `executeFetch` of @apollo/gateway's executeQueryPlan.js do, with the same order, errors and
 * merge rules, without what this gateway does not use on that path (a usage-reporting trace node
 * and an OpenTelemetry span per node, `[head, ...rest]` copies of every path while flattening).
 * Usage reporting with traces goes through Apollo's executor (`lean-executor.ts`).
 */

type Json = Record<string, unknown>;

export interface PlanRun {
  operation: Operation;
  serviceMap: Record<string, GraphQLDataSource>;
  requestContext: GatewayGraphQLRequestContext;
  supergraphSchema: GraphQLSchema;
  errors: GraphQLError[];
}

interface Cursor {
  path: ResponsePath;
  data: unknown;
  fullResult: Json;
}

export async function executePlanNode(run: PlanRun, node: PlanNode, cursor: Cursor): Promise<void> {
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await executePlanNode(run, child, cursor);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => executePlanNode(run, child, cursor)));
      return;
    case 'Flatten': {
      const data = flattenAt(cursor.data, node.path, 0);
      if (data === undefined || data === null) return;
      await executePlanNode(run, node.node, {
        path: cursor.path.concat(node.path),
        data,
        fullResult: cursor.fullResult,
      });
      return;
    }
    case 'Fetch':
      try {
        await executeFetch(run, node, cursor);
      } catch (error) {
        run.errors.push(error as GraphQLError);
      }
      return;
    case 'Condition': {
      const branch = evaluateCondition(
        node,
        run.operation.variableDefinitions,
        run.requestContext.request.variables,
      )
        ? node.ifClause
        : node.elseClause;
      if (branch) await executePlanNode(run, branch, cursor);
      return;
    }
    case 'Defer':
      throw new Error('@defer support is not available in the gateway');
  }
}

/** The values at `path` ('@' = every element of a list), flattened one list level per '@'. */
function flattenAt(value: unknown, path: ResponsePath, from: number): unknown {
  if (from === path.length || value === undefined || value === null) return value;
  const segment = path[from];
  if (segment === '@') {
    const values: unknown[] = [];
    for (const element of value as unknown[]) {
      const inner = flattenAt(element, path, from + 1);
      if (Array.isArray(inner)) for (const item of inner) values.push(item);
      else values.push(inner);
    }
    return values;
  }
  if (typeof segment !== 'string') throw new Error(`Unexpected ${typeof segment} found in path`);
  if (Array.isArray(value)) throw new Error(`Unexpected array in result for path element ${segment}`);
  return flattenAt(ownValue(value as Json, segment), path, from + 1);
}

function isObject(value: unknown): value is Json {
  return value !== undefined && value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Apollo's `deepMerge`: source's defined values into target, objects and same-length lists merged element-wise. */
function deepMerge(target: Json, source: unknown): void {
  if (source === undefined || source === null) return;
  const from = source as Json;
  for (const key of Object.keys(from)) {
    const value = from[key];
    if (value === undefined) continue;
    let current = target[key];
    // JSON holds no functions: a function is `Object.prototype`'s (`constructor`, `toString`).
    if (typeof current === 'function' || key === '__proto__') current = ownValue(target, key);
    if (current && isObject(value)) {
      deepMerge(current as Json, value);
    } else if (Array.isArray(value) && Array.isArray(current) && value.length === current.length) {
      for (let index = 0; index < value.length; index++) {
        const into: unknown = current[index];
        const item: unknown = value[index];
        if (isObject(into) && isObject(item)) deepMerge(into, item);
        else current[index] = item;
      }
    } else if (key === '__proto__') {
      Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
    } else {
      target[key] = value;
    }
  }
}

async function executeFetch(run: PlanRun, fetch: FetchNode, cursor: Cursor): Promise<void> {
  const service = run.serviceMap[fetch.serviceName];
  if (!service) throw new Error(`Couldn't find service with name "${fetch.serviceName}"`);
  const entities: Json[] = Array.isArray(cursor.data)
    ? (cursor.data as unknown[]).filter((entity): entity is Json => entity !== undefined && entity !== null)
    : [cursor.data as Json];
  if (entities.length < 1) return;

  // No prototype: a variable may be called `$__proto__`.
  const variables = Object.create(null) as Json;
  const provided = run.requestContext.request.variables;
  if (fetch.variableUsages && provided) {
    for (const name of fetch.variableUsages) {
      if (Object.prototype.hasOwnProperty.call(provided, name) && provided[name] !== undefined)
        variables[name] = provided[name];
    }
  }

  if (!fetch.requires) {
    const received = await sendOperation(run, service, fetch, cursor, variables);
    if (received) applyRewrites(run.supergraphSchema, fetch.outputRewrites, received);
    for (const entity of entities) deepMerge(entity, received);
    return;
  }

  const representations: Json[] = [];
  const representationToEntity: number[] = [];
  entities.forEach((entity, index) => {
    const representation = selectRepresentation(run.supergraphSchema, entity, fetch.requires!);
    if (representation && representation.__typename) {
      applyRewrites(run.supergraphSchema, fetch.inputRewrites, representation);
      representations.push(representation);
      representationToEntity.push(index);
    }
  });
  if (representations.length < 1) return;
  if ('representations' in variables) throw new Error(`Variables cannot contain key "representations"`);
  variables.representations = representations;
  const received = await sendOperation(run, service, fetch, cursor, variables);
  if (!received) return;
  const answered = received._entities;
  if (!Array.isArray(answered)) throw new Error(`Expected "data._entities" in response to be an array`);
  if (answered.length !== representations.length)
    throw new Error(`Expected "data._entities" to contain ${representations.length} elements`);
  for (let index = 0; index < representations.length; index++) {
    const entity = entities[representationToEntity[index]!]!;
    const answer = answered[index] as Json | null;
    if (answer && !answer.__typename) answer.__typename = entity.__typename;
    if (answer) applyRewrites(run.supergraphSchema, fetch.outputRewrites, answer);
    deepMerge(entity, answer);
  }
}

/** The entity's fields a `requires` selection names (Apollo's `executeSelectionSet`); null when one is missing. */
function selectRepresentation(
  schema: GraphQLSchema,
  source: Json | null,
  selections: QueryPlanSelectionNode[],
): Json | null {
  if (source === null) return null;
  // A plain object: JSON.stringify writes it in the subgraph call's body much faster than one
  // without a prototype (a dictionary in V8). Names come from the planner's key fields.
  const result: Json = {};
  for (const selection of selections) {
    if (selection.kind === 'Field') {
      const responseName = getResponseName(selection);
      const value = ownValue(source, responseName);
      if (value === undefined) return null;
      const inner = selection.selections;
      if (Array.isArray(value)) {
        result[responseName] = value.map((item: unknown) =>
          inner ? selectRepresentation(schema, item as Json | null, inner) : item,
        );
      } else if (inner) {
        result[responseName] = selectRepresentation(schema, value as Json | null, inner);
      } else {
        result[responseName] = value;
      }
    } else if (selection.typeCondition && source && isObjectOfType(schema, source, selection.typeCondition)) {
      deepMerge(result, selectRepresentation(schema, source, selection.selections));
    }
  }
  return result;
}

async function sendOperation(
  run: PlanRun,
  service: GraphQLDataSource,
  fetch: FetchNode,
  cursor: Cursor,
  variables: Json,
): Promise<Json | undefined | null> {
  const { requestContext } = run;
  const response = await service.process({
    kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
    request: { query: fetch.operation, variables, operationName: fetch.operationName },
    incomingRequestContext: requestContext,
    context: requestContext.context,
    document: fetch.operationDocumentNode,
    pathInIncomingRequest: cursor.path,
  });
  if (response.errors) {
    const pathOf = lazyErrorPath(fetch, cursor);
    run.errors.push(...response.errors.map((error) => downstreamError(error, fetch.serviceName, pathOf)));
    if (!response.extensions?.ftv1) {
      const paths = response.errors.map((error) => ({ subgraph: fetch.serviceName, path: error.path }));
      const metrics = requestContext.metrics as { nonFtv1ErrorPaths?: typeof paths };
      if (metrics.nonFtv1ErrorPaths) metrics.nonFtv1ErrorPaths.push(...paths);
      else metrics.nonFtv1ErrorPaths = paths;
    }
  }
  return response.data as Json | undefined | null;
}

/** A subgraph error's path in the client's response (entity errors: through the `_entities` index). */
function lazyErrorPath(fetch: FetchNode, cursor: Cursor) {
  let hydrated: ResponsePath[] | undefined;
  return (errorPath: readonly (string | number)[] | undefined): ResponsePath | undefined => {
    if (fetch.requires && typeof errorPath?.[1] === 'number') {
      if (!hydrated) {
        hydrated = [];
        generateHydratedPaths([], cursor.path, cursor.fullResult, hydrated);
      }
      return [...(hydrated[errorPath[1]] ?? []), ...errorPath.slice(2)];
    }
    return errorPath ? [...cursor.path, ...errorPath] : undefined;
  };
}

function downstreamError(
  original: GraphQLFormattedError,
  serviceName: string,
  pathOf: (path: readonly (string | number)[] | undefined) => ResponsePath | undefined,
): GraphQLError {
  const message = original.message || `Error while fetching subquery from service "${serviceName}"`;
  const options = {
    originalError: original as Error,
    path: pathOf(original.path),
    extensions: { ...original.extensions, serviceName },
  };
  const code = errorCodeDef(original);
  if (!code && original.extensions?.code) return new GraphQLError(message, options);
  return (code ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}
