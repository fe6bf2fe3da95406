import { createHash } from 'node:crypto';
import {
  getNamedType,
  GraphQLError,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { AccessRules, Requirement } from './access-rules.js';

export interface Viewer {
  authenticated: boolean;
  scopes: ReadonlySet<string>;
}

/** Why a field was taken out of the operation; answered as an error at each of its paths. */
export interface Denial {
  code: 'UNAUTHORIZED' | 'FORBIDDEN';
  message: string;
  requiredScopes?: string[][];
}

export interface FilteredOperation {
  /** The client's document (the one `denied` refers to). */
  original: DocumentNode;
  /** What the gateway plans and executes: `original` without the denied fields. */
  document: DocumentNode;
  /** Denied field nodes of `original`. Empty: `document` is `original`. */
  denied: ReadonlyMap<FieldNode, Denial>;
  /** Distinguishes the plans (and cache entries) of documents filtered differently. */
  fingerprint: string;
}

const describeScopes = (anyOf: string[][]): string =>
  anyOf.map((all) => all.map((scope) => `"${scope}"`).join(' and ')).join(', or ');

function unmet(requirement: Requirement, viewer: Viewer): boolean {
  switch (requirement.kind) {
    case 'authenticated':
      return !viewer.authenticated;
    case 'scopes':
      return !requirement.anyOf.some((all) => all.every((scope) => viewer.scopes.has(scope)));
    case 'policy':
      return true; // no policy evaluator is configured: a field under @policy is closed (fail safe)
  }
}

function denialFor(coordinate: string, requirements: readonly Requirement[], viewer: Viewer): Denial | null {
  const failed = requirements.filter((requirement) => unmet(requirement, viewer));
  if (failed.length === 0) return null;
  const scopes = failed.flatMap((requirement) => (requirement.kind === 'scopes' ? [requirement] : []));
  const policies = failed.flatMap((requirement) => (requirement.kind === 'policy' ? [requirement] : []));
  const needs = [
    ...scopes.map((requirement) => `scope ${describeScopes(requirement.anyOf)}`),
    ...policies.map((requirement) => `policy ${describeScopes(requirement.anyOf)}`),
  ];
  const requiredScopes = scopes.flatMap((requirement) => requirement.anyOf);
  if (!viewer.authenticated) {
    return {
      code: 'UNAUTHORIZED',
      message: `${coordinate} needs a signed-in viewer${needs.length > 0 ? ` with ${needs.join('; ')}` : ''}`,
      ...(requiredScopes.length > 0 ? { requiredScopes } : {}),
    };
  }
  return {
    code: 'FORBIDDEN',
    message: `${coordinate} needs ${needs.join('; ')}`,
    ...(requiredScopes.length > 0 ? { requiredScopes } : {}),
  };
}

export function denialError(denial: Denial): GraphQLError {
  return new GraphQLError(denial.message, {
    extensions: {
      code: denial.code,
      ...(denial.requiredScopes ? { requiredScopes: denial.requiredScopes } : {}),
    },
  });
}

/**
 * Finds the fields of an operation the viewer may not read. Each field node is judged once, against
 * the type that statically holds it (a fragment's type condition, the type a field returns), so a
 * field hidden in a fragment, an inline fragment or under an alias is judged like any other, and a
 * fragment spread many times is walked once: linear in the document's size.
 */
function deniedFields(
  schema: GraphQLSchema,
  rules: AccessRules,
  document: DocumentNode,
  operationName: string | null | undefined,
  viewer: Viewer,
): Map<FieldNode, Denial> {
  const denied = new Map<FieldNode, Denial>();
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const walked = new Set<string>();

  const walk = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType | undefined) => {
    if (!parent) return;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith('__') || (!isObjectType(parent) && !isInterfaceType(parent))) continue;
        const coordinate = `${parent.name}.${name}`;
        const requirements = rules.get(coordinate);
        const denial = requirements ? denialFor(coordinate, requirements, viewer) : null;
        if (denial) {
          denied.set(selection, denial);
          continue;
        }
        const field = parent.getFields()[name];
        if (field && selection.selectionSet)
          walk(selection.selectionSet, getNamedType(field.type) as GraphQLCompositeType);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition
          ? (schema.getType(selection.typeCondition.name.value) as GraphQLCompositeType | undefined)
          : parent;
        walk(selection.selectionSet, type);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || walked.has(fragment.name.value)) continue;
        walked.add(fragment.name.value);
        walk(
          fragment.selectionSet,
          schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType | undefined,
        );
      }
    }
  };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName && definition.name?.value !== operationName) continue;
    const root =
      definition.operation === 'query'
        ? schema.getQueryType()
        : definition.operation === 'mutation'
          ? schema.getMutationType()
          : schema.getSubscriptionType();
    walk(definition.selectionSet, root ?? undefined);
  }
  return denied;
}

const TYPENAME: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };

/**
 * The document without the denied fields. A selection set left empty keeps `__typename` (so its
 * parent still answers and the denied fields can be put back as null), and every selection set of
 * an interface or union asks for `__typename` so the answer can be re-shaped to the client's
 * document (see restore-denied.ts).
 */
function withoutDenied(
  schema: GraphQLSchema,
  document: DocumentNode,
  denied: ReadonlyMap<FieldNode, Denial>,
) {
  const typeInfo = new TypeInfo(schema);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field: (node) => (denied.has(node) ? null : undefined),
      SelectionSet: {
        leave: (node) => {
          const parent = typeInfo.getParentType();
          const selections: SelectionNode[] = [...node.selections];
          if (selections.length === 0 || (parent && isAbstractType(parent))) selections.push(TYPENAME);
          return { ...node, selections };
        },
      },
    }),
  );
}

export function filterOperation(
  schema: GraphQLSchema,
  rules: AccessRules,
  document: DocumentNode,
  operationName: string | null | undefined,
  viewer: Viewer,
): FilteredOperation {
  const denied = rules.size > 0 ? deniedFields(schema, rules, document, operationName, viewer) : new Map();
  if (denied.size === 0) return { original: document, document, denied, fingerprint: '' };
  const where = [...denied.keys()].map((node) => node.loc?.start ?? node.name.value).join(',');
  return {
    original: document,
    document: withoutDenied(schema, document, denied),
    denied,
    fingerprint: createHash('sha256').update(where).digest('base64url').slice(0, 16),
  };
}
