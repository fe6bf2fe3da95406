import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from '../context.js';
import { KNOWN_ERROR_CODES, PUBLIC_EXTENSIONS } from './known-codes.js';

/** What a client sees of one error in production. */
export function maskError(error: GraphQLFormattedError, requestId: string): GraphQLFormattedError {
  const code = error.extensions?.code;
  const location = {
    ...(error.locations ? { locations: error.locations } : {}),
    ...(error.path ? { path: error.path } : {}),
  };
  if (typeof code === 'string' && KNOWN_ERROR_CODES.has(code)) {
    const extensions = Object.fromEntries(
      Object.entries(error.extensions ?? {}).filter(([key]) => PUBLIC_EXTENSIONS.has(key)),
    );
    return { message: error.message, ...location, extensions };
  }
  return {
    message: `internal error; quote request id ${requestId} to the operators`,
    ...location,
    extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
  };
}

/**
 * Logs every error a request meets in full (message, extensions, stack, the subgraph's answer) with
 * its request id, and in production answers the client with `maskError`: known codes keep their
 * message and public extensions, anything else (a driver's text, a subgraph URL or response body, a
 * stack) becomes INTERNAL_SERVER_ERROR with the request id.
 */
export function errorMaskingPlugin(production: boolean): ApolloServerPlugin<GatewayContext> {
  return {
    requestDidStart: async () => ({
      didEncounterErrors: async ({ errors, contextValue }) => {
        for (const error of errors) {
          const code = error.extensions?.code;
          const known = typeof code === 'string' && KNOWN_ERROR_CODES.has(code);
          contextValue.log[known ? 'debug' : 'error'](
            { err: error.originalError ?? error, extensions: error.extensions, path: error.path },
            `graphql error: ${error.message}`,
          );
        }
      },
      willSendResponse: async ({ response, contextValue }) => {
        if (!production || response.body.kind !== 'single') return;
        const result = response.body.singleResult;
        if (result.errors)
          result.errors = result.errors.map((error) => maskError(error, contextValue.requestId));
      },
    }),
  };
}
