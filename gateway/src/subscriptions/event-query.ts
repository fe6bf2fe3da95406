import {
  Kind,
  parseType,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { EntityLookup, EventPayload } from './routes.js';

/** The part of a subscription operation an event's query is made of. */
export interface SubscriptionSelection {
  /** The selection set under the subscription's root field. */
  selectionSet: SelectionSetNode | undefined;
  fragments: Record<string, FragmentDefinitionNode>;
  variableDefinitions: readonly VariableDefinitionNode[];
}

/** A query that resolves one event's payload through the supergraph, and how to read its answer. */
export interface EventQuery {
  /** Null when nothing needs resolving (only fields the event carries itself were selected). */
  query: string | null;
  variables: Record<string, unknown>;
  /** The root field's value from the query's data (undefined: not visible to this viewer). */
  assemble: (data: Record<string, unknown> | null | undefined) => unknown;
  /**
   * What the payload holds besides the query's answer (the fields taken from the event): part of
   * the key under which subscribers share one execution.
   */
  ownFields: string;
  /** The response path of the root field's value inside the query's answer (for error paths). */
  pathPrefix: (first: string) => string[];
}

const OPERATION_NAME = 'AetherialSubscriptionEvent';

/**
 * Printed queries per subscription, by the shape of the lookups (not their values): the text is the
 * same for every event of a kind, and printing it for each of a thousand subscribers is not free.
 */
const printed = new WeakMap<SubscriptionSelection, Map<string, string>>();

function printOnce(selection: SubscriptionSelection, shape: string, build: () => DocumentNode): string {
  let bySelection = printed.get(selection);
  if (!bySelection) printed.set(selection, (bySelection = new Map()));
  let text = bySelection.get(shape);
  if (text === undefined) bySelection.set(shape, (text = print(build())));
  return text;
}

const shapeOf = (lookups: [string, EntityLookup][]): string =>
  lookups
    .map(([alias, lookup]) => `${alias}=${lookup.rootField}(${Object.keys(lookup.args).join(',')})`)
    .join(' ');
const ENTITY_ALIAS = 'payload';

/** Fragments and variables a selection set uses, through the fragments it spreads. */
function usage(
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
): { fragments: Set<string>; variables: Set<string> } {
  const used = { fragments: new Set<string>(), variables: new Set<string>() };
  const walk = (node: SelectionSetNode) =>
    visit(node, {
      Variable: (variable) => void used.variables.add(variable.name.value),
      FragmentSpread: (spread) => {
        const name = spread.name.value;
        const fragment = fragments[name];
        if (used.fragments.has(name) || !fragment) return;
        used.fragments.add(name);
        walk(fragment.selectionSet);
      },
    });
  walk(selectionSet);
  return used;
}

/** The fields of an object's selection set, through inline fragments and spreads (all on that type). */
function fieldsOf(
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
): FieldNode[] {
  const fields: FieldNode[] = [];
  const add = (selections: readonly SelectionNode[]) => {
    for (const selection of selections) {
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) add(selection.selectionSet.selections);
      else {
        const fragment = fragments[selection.name.value];
        if (fragment) add(fragment.selectionSet.selections);
      }
    }
  };
  add(selectionSet.selections);
  return fields;
}

const responseKey = (field: FieldNode): string => field.alias?.value ?? field.name.value;

function lookupField(
  schema: GraphQLSchema,
  alias: string,
  lookup: EntityLookup,
  selectionSet: SelectionSetNode | undefined,
  variables: Record<string, unknown>,
  definitions: VariableDefinitionNode[],
): FieldNode {
  const rootField = schema.getQueryType()?.getFields()[lookup.rootField];
  if (!rootField) throw new Error(`the supergraph has no Query.${lookup.rootField} to resolve events with`);
  const args = Object.entries(lookup.args).map(([name, value]) => {
    const argument = rootField.args.find((arg) => arg.name === name);
    if (!argument) throw new Error(`Query.${lookup.rootField} has no argument "${name}"`);
    const variable = `_event_${alias}_${name}`;
    variables[variable] = value;
    definitions.push({
      kind: Kind.VARIABLE_DEFINITION,
      variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: variable } },
      type: parseType(String(argument.type)),
    });
    return {
      kind: Kind.ARGUMENT as const,
      name: { kind: Kind.NAME as const, value: name },
      value: { kind: Kind.VARIABLE as const, name: { kind: Kind.NAME as const, value: variable } },
    };
  });
  return {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: alias },
    name: { kind: Kind.NAME, value: lookup.rootField },
    arguments: args,
    ...(selectionSet ? { selectionSet } : {}),
  };
}

function document(
  selection: SubscriptionSelection,
  rootFields: FieldNode[],
  eventVariables: VariableDefinitionNode[],
): DocumentNode {
  const rootSelection: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: rootFields };
  const used = usage(rootSelection, selection.fragments);
  const clientVariables = selection.variableDefinitions.filter((definition) =>
    used.variables.has(definition.variable.name.value),
  );
  return {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: 'query' as never,
        name: { kind: Kind.NAME, value: OPERATION_NAME },
        variableDefinitions: [...eventVariables, ...clientVariables],
        selectionSet: rootSelection,
      },
      ...[...used.fragments].map((name) => selection.fragments[name]!),
    ],
  };
}

/**
 * The query one event of a subscription runs as: the subscriber's selection set under the root
 * query that loads the entity (`post(id:)` for `postAdded`), or, for an object the gateway builds
 * from the event, one aliased root query per reference field selected. The text depends only on
 * the subscription and the route's lookups, so the gateway plans it once and caches the plan.
 */
export function eventQuery(
  schema: GraphQLSchema,
  selection: SubscriptionSelection,
  payload: EventPayload,
  clientVariables: Record<string, unknown>,
): EventQuery {
  const variables: Record<string, unknown> = { ...clientVariables };
  const definitions: VariableDefinitionNode[] = [];
  if (payload.kind === 'entity') {
    const root = lookupField(
      schema,
      ENTITY_ALIAS,
      payload.lookup,
      selection.selectionSet,
      variables,
      definitions,
    );
    const stated = payload.values ?? {};
    const fromEvent = (selection.selectionSet ? fieldsOf(selection.selectionSet, selection.fragments) : [])
      // A value the event lacks is read from the entity as usual.
      .filter((field) => stated[field.name.value] !== undefined)
      .map((field): [string, unknown] => [responseKey(field), stated[field.name.value]]);
    return {
      query: printOnce(selection, shapeOf([[ENTITY_ALIAS, payload.lookup]]), () =>
        document(selection, [root], definitions),
      ),
      variables,
      assemble: (data) => {
        const entity = data?.[ENTITY_ALIAS];
        if (entity === null || entity === undefined) return undefined;
        return fromEvent.length > 0 ? { ...(entity as object), ...Object.fromEntries(fromEvent) } : entity;
      },
      ownFields: JSON.stringify(fromEvent),
      pathPrefix: (first) => (first === ENTITY_ALIAS ? [] : [first]),
    };
  }
  const value: Record<string, unknown> = {};
  const references: FieldNode[] = [];
  const lookups: [string, EntityLookup][] = [];
  for (const field of selection.selectionSet ? fieldsOf(selection.selectionSet, selection.fragments) : []) {
    const key = responseKey(field);
    const name = field.name.value;
    if (name === '__typename') value[key] = payload.typename;
    else if (name in payload.values) value[key] = payload.values[name];
    else {
      const lookup = payload.references[name];
      if (!lookup) throw new Error(`${payload.typename}.${name} cannot be resolved from the event`);
      references.push(lookupField(schema, key, lookup, field.selectionSet, variables, definitions));
      lookups.push([key, lookup]);
    }
  }
  const keys = references.map(responseKey);
  return {
    query:
      references.length > 0
        ? printOnce(selection, shapeOf(lookups), () => document(selection, references, definitions))
        : null,
    variables,
    assemble: (data) => {
      const assembled = { ...value };
      for (const key of keys) {
        const found = data?.[key];
        // A non-null reference the viewer cannot see: the whole event is not for them.
        if (found === null || found === undefined) return undefined;
        assembled[key] = found;
      }
      return assembled;
    },
    ownFields: JSON.stringify(value),
    pathPrefix: (first) => [first],
  };
}
