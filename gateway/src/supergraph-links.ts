import { Kind, type DirectiveNode, type DocumentNode, type ValueNode } from 'graphql';

/**
 * Names under which a supergraph uses the directives of a linked spec. Composition keeps
 * `@authenticated`, `@requiresScopes`, `@policy` (for: SECURITY) and `@cost`/`@listSize` in the
 * supergraph with an `@link` each; a spec's own directive is `@<name>` (`as:` renames it), its
 * other directives are `@<name>__<directive>` unless imported (`import: ["@listSize"]` or
 * `{ name: "@listSize", as: "@size" }`).
 */
export type DirectiveNames = (spec: string, directive: string) => string | undefined;

function stringArgument(directive: DirectiveNode, name: string): string | undefined {
  const value = directive.arguments?.find((argument) => argument.name.value === name)?.value;
  return value?.kind === Kind.STRING ? value.value : undefined;
}

export function linkedDirectiveNames(supergraph: DocumentNode): DirectiveNames {
  const names = new Map<string, string>(); // "spec/directive" -> name used in this supergraph
  for (const definition of supergraph.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of definition.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const url = stringArgument(link, 'url');
      const spec = url?.match(/\/([^/]+)\/v\d+\.\d+$/)?.[1];
      if (!spec) continue;
      const prefix = stringArgument(link, 'as') ?? spec;
      names.set(`${spec}/${spec}`, prefix);
      const imports = link.arguments?.find((argument) => argument.name.value === 'import')?.value;
      const entries: ValueNode[] = imports?.kind === Kind.LIST ? [...imports.values] : [];
      for (const entry of entries) {
        if (entry.kind === Kind.STRING) {
          const directive = entry.value.replace(/^@/, '');
          names.set(`${spec}/${directive}`, directive);
        } else if (entry.kind === Kind.OBJECT) {
          const field = (name: string) => {
            const value = entry.fields.find((candidate) => candidate.name.value === name)?.value;
            return value?.kind === Kind.STRING ? value.value.replace(/^@/, '') : undefined;
          };
          const directive = field('name');
          if (directive) names.set(`${spec}/${directive}`, field('as') ?? directive);
        }
      }
      names.set(`${spec}/*prefix`, prefix);
    }
  }
  return (spec, directive) => {
    const known = names.get(`${spec}/${directive}`);
    if (known) return known;
    const prefix = names.get(`${spec}/*prefix`);
    return prefix ? `${prefix}__${directive}` : undefined;
  };
}

/** `@directive(argument: ...)` of a definition, as a plain JS value (lists of lists of strings, numbers). */
export function constValue(value: ValueNode): unknown {
  switch (value.kind) {
    case Kind.INT:
    case Kind.FLOAT:
      return Number(value.value);
    case Kind.STRING:
    case Kind.ENUM:
      return value.value;
    case Kind.BOOLEAN:
      return value.value;
    case Kind.NULL:
    case Kind.VARIABLE: // a schema has no variables
      return null;
    case Kind.LIST:
      return value.values.map(constValue);
    case Kind.OBJECT:
      return Object.fromEntries(value.fields.map((field) => [field.name.value, constValue(field.value)]));
  }
}

export function directiveArgument(directive: DirectiveNode, name: string): unknown {
  const value = directive.arguments?.find((argument) => argument.name.value === name)?.value;
  return value === undefined ? undefined : constValue(value);
}
