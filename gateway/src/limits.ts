import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/**
 * Limits checked before the gateway plans a query, so an abusive query costs a parse and a walk,
 * never a query plan or a subgraph call.
 */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
}

/** A list field without `first`/`limit` is assumed to return this many items. */
const DEFAULT_LIST_SIZE = 20;

function limitError(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}

function listSize(field: FieldNode, variables: Record<string, unknown>): number {
  for (const argument of field.arguments ?? []) {
    if (argument.name.value !== 'first' && argument.name.value !== 'limit') continue;
    const value: ValueNode = argument.value;
    if (value.kind === Kind.INT) return Number(value.value);
    if (value.kind === Kind.VARIABLE) {
      const given = variables[value.name.value];
      if (typeof given === 'number') return given;
    }
    return DEFAULT_LIST_SIZE;
  }
  return 1;
}

interface Walk {
  depth: number;
  aliases: number;
  cost: number;
}

/** Depth, aliases and estimated cost (each field costs 1, multiplied by the list sizes above it). */
function measure(
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  multiplier: number,
  depth: number,
  visiting: Set<string>,
): Walk {
  const total: Walk = { depth, aliases: 0, cost: 0 };
  for (const selection of selectionSet.selections) {
    let inner: Walk | undefined;
    if (selection.kind === Kind.FIELD) {
      if (selection.alias) total.aliases += 1;
      total.cost += multiplier;
      if (selection.selectionSet) {
        const size = listSize(selection, variables);
        inner = measure(
          selection.selectionSet,
          fragments,
          variables,
          multiplier * Math.max(size, 1),
          depth + 1,
          visiting,
        );
      }
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      inner = measure(selection.selectionSet, fragments, variables, multiplier, depth, visiting);
    } else {
      const name = selection.name.value;
      const fragment = fragments[name];
      if (!fragment || visiting.has(name)) continue; // unknown or cyclic fragments are graphql-js's own errors
      visiting.add(name);
      inner = measure(fragment.selectionSet, fragments, variables, multiplier, depth, visiting);
      visiting.delete(name);
    }
    if (inner) {
      total.depth = Math.max(total.depth, inner.depth);
      total.aliases += inner.aliases;
      total.cost += inner.cost;
    }
  }
  return total;
}

/**
 * Checks depth, aliases and estimated cost of the operation about to run. Called from the plugin's
 * didResolveOperation hook: after parsing and validation (which Apollo Server caches per document),
 * before the gateway plans the query, and with the request's variables so `first: $n` counts.
 */
export function checkQueryLimits(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  limits: QueryLimits,
): void {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  const walk = measure(operation.selectionSet, fragments, variables, 1, 1, new Set());
  const name = operation.name?.value ?? 'anonymous operation';
  if (walk.depth > limits.maxDepth) {
    throw limitError(
      'QUERY_TOO_DEEP',
      `${name} is ${walk.depth} levels deep; the limit is ${limits.maxDepth}`,
    );
  }
  if (walk.aliases > limits.maxAliases) {
    throw limitError(
      'TOO_MANY_ALIASES',
      `${name} uses ${walk.aliases} aliases; the limit is ${limits.maxAliases}`,
    );
  }
  if (walk.cost > limits.maxCost) {
    throw limitError(
      'QUERY_TOO_COSTLY',
      `${name} has an estimated cost of ${walk.cost}; the limit is ${limits.maxCost} (lower the "first" arguments)`,
    );
  }
}

export function queryLimitsPlugin(limits: QueryLimits): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          if (operation) checkQueryLimits(document, operation, request.variables ?? {}, limits);
        },
      };
    },
  };
}
