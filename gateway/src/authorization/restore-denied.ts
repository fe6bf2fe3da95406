import {
  buildSchema,
  execute,
  printSchema,
  GraphQLError,
  type ExecutionResult,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  type GraphQLTypeResolver,
} from 'graphql';
import { denialError, type FilteredOperation } from './filter-operation.js';

/** Errors this module raised, to tell them from anything else execution reports. */
const raised = new WeakSet<Error>();

/**
 * The API schema without the resolvers Apollo Server and the gateway attach to it, so that
 * re-executing a document over an answer runs our field resolver on every field.
 */
export const resolverFreeSchema = (apiSchema: GraphQLSchema): GraphQLSchema =>
  buildSchema(printSchema(apiSchema));

/** Reads each field of the gateway's answer by its response key; denied fields raise their error. */
function resolverFor(operation: FilteredOperation): GraphQLFieldResolver<unknown, unknown> {
  return (source, _args, _context, info) => {
    if (info.fieldNodes.every((node) => operation.denied.has(node))) {
      const error = denialError(operation.denied.get(info.fieldNodes[0]!)!);
      raised.add(error);
      throw error;
    }
    return (source as Record<string, unknown> | null)?.[info.path.key as string];
  };
}

const typeFromAnswer: GraphQLTypeResolver<unknown, unknown> = (value) =>
  (value as { __typename?: string } | null)?.__typename;

const isDenial = (error: GraphQLError) =>
  error.originalError !== undefined && raised.has(error.originalError);

/**
 * Puts the denied fields back into the gateway's answer as null with an error at each of their
 * paths, by executing the client's own document over the answer: graphql-js then gives every
 * alias, fragment and list item its place, and a denied non-null field makes its nearest nullable
 * parent null, exactly as GraphQL's null propagation prescribes. Only runs when a field was denied.
 * `schema` must carry no resolvers (see `resolverFreeSchema`): only ours may read the answer.
 */
export async function restoreDenied(
  schema: GraphQLSchema,
  operation: FilteredOperation,
  answer: ExecutionResult,
  variables: Record<string, unknown> | undefined,
  operationName: string | null | undefined,
): Promise<ExecutionResult> {
  const denials: GraphQLError[] = [];
  let data: ExecutionResult['data'] = answer.data;
  if (answer.data) {
    const reshaped = await execute({
      schema,
      document: operation.original,
      rootValue: answer.data,
      variableValues: variables,
      operationName,
      fieldResolver: resolverFor(operation),
      typeResolver: typeFromAnswer,
    });
    data = reshaped.data;
    // Only our own errors: whatever else the subgraphs reported is already in the answer.
    for (const error of reshaped.errors ?? []) if (isDenial(error)) denials.push(error);
  } else {
    for (const denial of new Set(operation.denied.values())) denials.push(denialError(denial));
  }
  return { ...answer, data, errors: [...(answer.errors ?? []), ...denials] };
}
