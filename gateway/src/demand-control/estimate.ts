import {
  getNamedType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type GraphQLType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { CostDirectives, ListSize } from './cost-directives.js';

export interface CostLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  /** Items assumed for a list whose size no argument, default or `@listSize` gives. */
  defaultListSize: number;
}

/** What a selection set adds up to, relative to where it is used. */
interface Measure {
  depth: number;
  aliases: number;
  cost: number;
}

/** The cost passed the limit while walking: the walk stops there. */
export class CostLimitPassed extends Error {
  constructor(readonly atLeast: number) {
    super('cost limit passed');
  }
}

/** Field weight when neither the field nor its type has `@cost`; mutations are writes, as in Apollo's model. */
const DEFAULT_FIELD_WEIGHT = 1;
const DEFAULT_MUTATION_WEIGHT = 10;
/** Slicing arguments assumed when a field has no `@listSize`: the project's connection convention. */
const CONVENTIONAL_SLICING = ['first', 'limit'];

const isList = (type: GraphQLType): boolean => isListType(isNonNullType(type) ? type.ofType : type);

/**
 * Static cost analysis of one operation against the API schema (the IBM/Apollo demand-control
 * model): a field costs its weight (`@cost` on the field, else on its type, else 1; 10 for a
 * mutation's root field) plus the `@cost` of the arguments it is given, plus its selection times
 * its list size. The list size is the largest slicing argument (`@listSize(slicingArguments)`, or
 * `first`/`limit` without `@listSize`) as given literally, by a variable, by the variable's default
 * or by the schema's argument default, else `@listSize(assumedSize)`, else `defaultListSize`; with
 * `sizedFields` it multiplies those child fields instead (connections: `edges`).
 *
 * Every fragment is measured once and its measure reused at each spread, so the walk is linear in
 * the document's size however often fragments spread each other; it stops as soon as the running
 * cost passes the limit (multipliers are at least 1, so every partial sum is a lower bound).
 *
 * Why not a library (evaluated: graphql-query-complexity 2.0.0, @escape.tech/graphql-armor-cost-limit
 * 2.4.3): the first walks a fragment again at every spread (it tracks fragments only to stop cycles),
 * so the fan-out this must refuse in milliseconds is exponential there; the second reads only
 * literal `first`/`last` (no variables, no defaults) and reuses a fragment's first cost whatever its
 * place. Neither reads `@cost`/`@listSize` (slicingArguments, sizedFields, assumedSize) from a
 * supergraph.
 */
export function estimateCost(
  schema: GraphQLSchema,
  directives: CostDirectives,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  limits: CostLimits,
): Measure {
  const variableDefinitions = new Map<string, VariableDefinitionNode>(
    (operation.variableDefinitions ?? []).map((definition) => [definition.variable.name.value, definition]),
  );
  const fragmentMeasures = new Map<string, Measure>();
  const inProgress = new Set<string>();

  const intValue = (value: ValueNode | undefined, fallback: unknown): number | undefined => {
    if (value?.kind === Kind.INT) return Number(value.value);
    if (value?.kind === Kind.VARIABLE) {
      const name = value.name.value;
      const given = variables[name];
      if (typeof given === 'number') return given;
      if (given === undefined) {
        const byDefault = variableDefinitions.get(name)?.defaultValue;
        if (byDefault?.kind === Kind.INT) return Number(byDefault.value);
      }
      if (given !== undefined && given !== null) return undefined;
    }
    if (value && value.kind !== Kind.VARIABLE && value.kind !== Kind.NULL) return undefined;
    return typeof fallback === 'number' ? fallback : undefined;
  };

  const listSizeOf = (
    node: FieldNode,
    field: GraphQLField<unknown, unknown>,
    declared: ListSize | undefined,
  ): number | undefined => {
    const slicing = declared ? (declared.slicingArguments ?? []) : CONVENTIONAL_SLICING;
    let size: number | undefined;
    for (const name of slicing) {
      const definition = field.args.find((argument) => argument.name === name);
      if (!definition) continue;
      const given = node.arguments?.find((argument) => argument.name.value === name)?.value;
      const value = intValue(given, definition.defaultValue);
      if (value !== undefined) size = Math.max(size ?? 0, value);
    }
    if (size !== undefined) return size;
    const sliced = field.args.some((argument) => slicing.includes(argument.name));
    if (declared || sliced || isList(field.type)) {
      if (declared?.assumedSize !== undefined) return declared.assumedSize;
      return declared || sliced ? limits.defaultListSize : undefined;
    }
    return undefined;
  };

  const measureSet = (
    selectionSet: SelectionSetNode,
    parent: GraphQLCompositeType | undefined,
    sized: { fields: readonly string[]; size: number } | undefined,
    root: 'query' | 'mutation' | 'subscription' | undefined,
  ): Measure => {
    const total: Measure = { depth: 0, aliases: 0, cost: 0 };
    const add = (measure: Measure, depthOffset: number) => {
      total.depth = Math.max(total.depth, measure.depth + depthOffset);
      total.aliases += measure.aliases;
      total.cost += measure.cost;
      if (total.cost > limits.maxCost) throw new CostLimitPassed(total.cost);
    };
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const field =
          parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
        const alias = selection.alias ? 1 : 0;
        if (!field || !parent) {
          // __typename and introspection count too: a fan-out of nothing but __typename is still a fan-out.
          add({ depth: 1, aliases: alias, cost: DEFAULT_FIELD_WEIGHT }, 0);
          continue;
        }
        const coordinate = `${parent.name}.${name}`;
        const type = getNamedType(field.type);
        let weight =
          directives.weights.get(coordinate) ??
          directives.weights.get(type.name) ??
          (root === 'mutation' ? DEFAULT_MUTATION_WEIGHT : DEFAULT_FIELD_WEIGHT);
        for (const argument of selection.arguments ?? [])
          weight += directives.weights.get(`${coordinate}(${argument.name.value})`) ?? 0;
        if (!selection.selectionSet) {
          add({ depth: 1, aliases: alias, cost: weight }, 0);
          continue;
        }
        const declared = directives.listSizes.get(coordinate);
        const size = listSizeOf(selection, field, declared);
        const multiplier = sized?.fields.includes(name)
          ? Math.max(sized.size, 1)
          : declared?.sizedFields
            ? 1
            : Math.max(size ?? 1, 1);
        const childSizing =
          declared?.sizedFields && size !== undefined ? { fields: declared.sizedFields, size } : undefined;
        const inner = measureSet(
          selection.selectionSet,
          type as GraphQLCompositeType,
          childSizing,
          undefined,
        );
        add(
          { depth: inner.depth + 1, aliases: inner.aliases + alias, cost: weight + multiplier * inner.cost },
          0,
        );
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition
          ? (schema.getType(selection.typeCondition.name.value) as GraphQLCompositeType | undefined)
          : parent;
        add(measureSet(selection.selectionSet, type, sized, root), 0);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || inProgress.has(name)) continue; // unknown or cyclic: graphql-js validation refuses it
        const key = sized ? `${name}|${sized.size}|${sized.fields.join(',')}` : name;
        let measure = fragmentMeasures.get(key);
        if (!measure) {
          inProgress.add(name);
          const type = schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType | undefined;
          measure = measureSet(fragment.selectionSet, type, sized, root);
          inProgress.delete(name);
          fragmentMeasures.set(key, measure);
        }
        add(measure, 0);
      }
    }
    return total;
  };

  const rootType =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  return measureSet(operation.selectionSet, rootType ?? undefined, undefined, operation.operation);
}
