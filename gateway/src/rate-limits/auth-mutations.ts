import {
  GraphQLError,
  Kind,
  valueFromAST,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** Mutations that check a password or create an account: the targets of credential stuffing. */
const AUTH_MUTATIONS = new Set(['logIn', 'signUp']);
/** Input fields naming the account an attempt is about. */
const ACCOUNT_FIELDS = ['login', 'handle', 'email'];

/** Root fields of a mutation, through fragments (an attacker can hide a logIn in one). */
function rootFields(
  selectionSet: SelectionSetNode,
  document: DocumentNode,
  seen = new Set<string>(),
  found: FieldNode[] = [],
): FieldNode[] {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) found.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT)
      rootFields(selection.selectionSet, document, seen, found);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = document.definitions.find(
        (definition) =>
          definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === selection.name.value,
      );
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION)
        rootFields(fragment.selectionSet, document, seen, found);
    }
  }
  return found;
}

/**
 * The accounts the operation's `logIn`/`signUp` fields are about (lowercased login, handle and
 * email of their `input`, literal or from variables); at most one such field per operation, so
 * aliasing logIn 30 times to try 30 passwords at once is refused outright.
 */
export function authAttemptAccounts(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): string[] | null {
  if (operation.operation !== 'mutation') return null;
  const attempts = rootFields(operation.selectionSet, document).filter((field) =>
    AUTH_MUTATIONS.has(field.name.value),
  );
  if (attempts.length === 0) return null;
  if (attempts.length > 1) {
    throw new GraphQLError(
      `an operation may hold one logIn or signUp, not ${attempts.length}; send them one at a time`,
      { extensions: { code: 'TOO_MANY_AUTH_ATTEMPTS', http: { status: 400 } } },
    );
  }
  const field = attempts[0]!;
  const definition = schema.getMutationType()?.getFields()[field.name.value];
  const inputArgument = definition?.args.find((argument) => argument.name === 'input');
  const given = field.arguments?.find((argument) => argument.name.value === 'input')?.value;
  const input =
    inputArgument && given ? (valueFromAST(given, inputArgument.type, variables) as unknown) : undefined;
  if (typeof input !== 'object' || input === null) return [];
  return ACCOUNT_FIELDS.flatMap((name) => {
    const value = (input as Record<string, unknown>)[name];
    return typeof value === 'string' && value !== '' ? [value.trim().toLowerCase()] : [];
  });
}
