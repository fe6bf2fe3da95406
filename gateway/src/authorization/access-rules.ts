import {
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  Kind,
  type DirectiveNode,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { directiveArgument, linkedDirectiveNames } from '../supergraph-links.js';

/**
 * One access requirement from the Federation authorization directives. `anyOf` is the directive's
 * `[[String]]` argument: the inner lists are ANDed, the outer list ORed.
 */
export type Requirement =
  { kind: 'authenticated' } | { kind: 'scopes'; anyOf: string[][] } | { kind: 'policy'; anyOf: string[][] };

/** Every requirement of a field coordinate (`Type.field`), all of which must hold. */
export type AccessRules = ReadonlyMap<string, readonly Requirement[]>;

function requirementsOf(
  directives: readonly DirectiveNode[] | undefined,
  names: { authenticated?: string; requiresScopes?: string; policy?: string },
): Requirement[] {
  const found: Requirement[] = [];
  for (const directive of directives ?? []) {
    const name = directive.name.value;
    if (name === names.authenticated) found.push({ kind: 'authenticated' });
    else if (name === names.requiresScopes)
      found.push({ kind: 'scopes', anyOf: directiveArgument(directive, 'scopes') as string[][] });
    else if (name === names.policy)
      found.push({ kind: 'policy', anyOf: directiveArgument(directive, 'policies') as string[][] });
  }
  return found;
}

/**
 * Reads `@authenticated`, `@requiresScopes` and `@policy` from the supergraph SDL (the API schema
 * no longer carries them) and resolves, for every field of the API schema, what it takes to read
 * it, as Apollo Router does: the field's own directives, those of the type that declares it, those
 * of the type it returns, and, for a field of an interface, those of the same field on every
 * implementation (the gateway cannot know which one an answer will hold, so the strictest wins).
 */
export function accessRules(supergraph: DocumentNode, apiSchema: GraphQLSchema): AccessRules {
  const linked = linkedDirectiveNames(supergraph);
  const names = {
    authenticated: linked('authenticated', 'authenticated'),
    requiresScopes: linked('requiresScopes', 'requiresScopes'),
    policy: linked('policy', 'policy'),
  };
  const onType = new Map<string, Requirement[]>();
  const onField = new Map<string, Requirement[]>();
  if (!names.authenticated && !names.requiresScopes && !names.policy) return new Map();
  for (const definition of supergraph.definitions) {
    if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
    const typeName = definition.name.value;
    const own = requirementsOf(definition.directives, names);
    if (own.length > 0) onType.set(typeName, [...(onType.get(typeName) ?? []), ...own]);
    if (
      definition.kind === Kind.OBJECT_TYPE_DEFINITION ||
      definition.kind === Kind.OBJECT_TYPE_EXTENSION ||
      definition.kind === Kind.INTERFACE_TYPE_DEFINITION ||
      definition.kind === Kind.INTERFACE_TYPE_EXTENSION
    ) {
      for (const field of definition.fields ?? []) {
        const rules = requirementsOf(field.directives, names);
        if (rules.length > 0) onField.set(`${typeName}.${field.name.value}`, rules);
      }
    }
  }
  if (onType.size === 0 && onField.size === 0) return new Map();

  const direct = (typeName: string, fieldName: string): Requirement[] => {
    const type = apiSchema.getType(typeName);
    if (!isObjectType(type) && !isInterfaceType(type)) return [];
    const field = type.getFields()[fieldName];
    if (!field) return [];
    return [
      ...(onField.get(`${typeName}.${fieldName}`) ?? []),
      ...(onType.get(typeName) ?? []),
      ...(onType.get(getNamedType(field.type).name) ?? []),
    ];
  };
  const rules = new Map<string, Requirement[]>();
  for (const type of Object.values(apiSchema.getTypeMap())) {
    if (type.name.startsWith('__') || (!isObjectType(type) && !isInterfaceType(type))) continue;
    for (const fieldName of Object.keys(type.getFields())) {
      const all = direct(type.name, fieldName);
      if (isAbstractType(type))
        for (const implementation of apiSchema.getPossibleTypes(type))
          all.push(...direct(implementation.name, fieldName));
      if (all.length > 0) rules.set(`${type.name}.${fieldName}`, all);
    }
  }
  return rules;
}
