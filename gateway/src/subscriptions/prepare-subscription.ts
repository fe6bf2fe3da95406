import {
  getOperationAST,
  GraphQLError,
  Kind,
  validate,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { getArgumentValues, getVariableValues } from 'graphql/execution/values.js';
import type { SubscriptionSelection } from './event-query.js';
import type { Subscriber } from './viewer.js';
import { subscriptionRoutes, type SubscriptionArgs, type SubscriptionRoute } from './routes.js';

/** A validated subscription operation, ready to be registered for its events. */
export interface PreparedSubscription {
  fieldName: string;
  /** The root field's alias or name: the key of its value in every payload. */
  responseKey: string;
  route: SubscriptionRoute;
  args: SubscriptionArgs;
  viewerId: string | null;
  subscriber: Subscriber;
  selection: SubscriptionSelection;
  /** The client's variables as sent (the event queries pass on the ones they use). */
  variables: Record<string, unknown>;
}

/** The gateway's own checks of an operation (demand control, authorization); throws a GraphQLError. */
export type OperationCheck = (
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  subscriber: Subscriber,
) => void;

const failure = (message: string, code: string): GraphQLError[] => [
  new GraphQLError(message, { extensions: { code } }),
];

function rootField(
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
): FieldNode | undefined {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) return selection;
    const inner =
      selection.kind === Kind.INLINE_FRAGMENT
        ? selection.selectionSet
        : fragments[selection.name.value]?.selectionSet;
    const found = inner && rootField(inner, fragments);
    if (found) return found;
  }
  return undefined;
}

/**
 * Everything checked before a subscription is accepted: the document against the supergraph's API
 * schema (which holds the single-root-field rule), the gateway's limits (the same check queries
 * get), that the field has an event route, its arguments, and its need for a viewer.
 */
export function prepareSubscription(options: {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName: string | null | undefined;
  variables: Record<string, unknown> | null | undefined;
  subscriber: Subscriber;
  checkOperation: OperationCheck;
  /** The routes served (subscriptionRoutes and this process's own, such as feedUpdated's). */
  routes?: Readonly<Record<string, SubscriptionRoute>>;
}): PreparedSubscription | readonly GraphQLError[] {
  const { schema, document, subscriber } = options;
  const { viewerId } = subscriber;
  const variables = options.variables ?? {};
  const errors = validate(schema, document);
  if (errors.length > 0) return errors;
  const operation = getOperationAST(document, options.operationName);
  if (!operation) return failure('no operation to run: give operationName', 'BAD_USER_INPUT');
  if (operation.operation !== 'subscription')
    return failure(`expected a subscription, got a ${operation.operation}`, 'BAD_USER_INPUT');
  try {
    options.checkOperation(schema, document, operation, variables, subscriber);
  } catch (error) {
    if (error instanceof GraphQLError) return [error];
    throw error;
  }
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  const field = rootField(operation.selectionSet, fragments);
  const fieldName = field?.name.value ?? '';
  const routes = options.routes ?? subscriptionRoutes;
  const route = Object.hasOwn(routes, fieldName) ? routes[fieldName] : undefined;
  const definition = schema.getSubscriptionType()?.getFields()[fieldName];
  if (!field || !route || !definition)
    return failure(
      `Subscription.${fieldName} has no event source in this gateway`,
      'SUBSCRIPTION_NOT_SUPPORTED',
    );
  if (route.requiresViewer && !viewerId)
    return failure(`Subscription.${fieldName} needs a signed-in viewer`, 'UNAUTHENTICATED');
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables, {
    maxErrors: 10,
  });
  if (coerced.errors) return coerced.errors;
  let args: SubscriptionArgs;
  try {
    args = getArgumentValues(definition, field, coerced.coerced);
  } catch (error) {
    if (error instanceof GraphQLError) return [error];
    throw error;
  }
  return {
    fieldName,
    responseKey: field.alias?.value ?? fieldName,
    route,
    args,
    viewerId,
    subscriber,
    selection: {
      selectionSet: field.selectionSet,
      fragments,
      variableDefinitions: operation.variableDefinitions ?? [],
    },
    variables,
  };
}
