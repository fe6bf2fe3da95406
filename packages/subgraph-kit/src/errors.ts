import { GraphQLError } from 'graphql';

/** Error codes clients can rely on (`extensions.code`). */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'CONFLICT'
  | 'UNAVAILABLE'
  | 'RATE_LIMITED';

export function graphQLError(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

/** Invalid input, with the offending argument field named so a form can highlight it. */
export const badUserInput = (field: string, message: string): GraphQLError =>
  graphQLError('BAD_USER_INPUT', `${field}: ${message}`, { field });

export const notFound = (type: string, id: string): GraphQLError =>
  graphQLError('NOT_FOUND', `${type} ${id} not found`, { type, id });

export const forbidden = (message: string): GraphQLError => graphQLError('FORBIDDEN', message);

export const unauthenticated = (message = 'sign in first: this field needs a viewer'): GraphQLError =>
  graphQLError('UNAUTHENTICATED', message);

export const conflict = (field: string, message: string): GraphQLError =>
  graphQLError('CONFLICT', `${field}: ${message}`, { field });
