/**
 * Error codes a client may see with their message: the gateway's own, Apollo Server's request
 * errors, and the subgraphs' (packages/subgraph-kit errors.ts). Anything else is an internal error.
 * Also the bounded value set of the `code` label of gateway_errors_total.
 */
export const KNOWN_ERROR_CODES: ReadonlySet<string> = new Set([
  // Apollo Server
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  // the gateway
  'UNAUTHORIZED',
  'QUERY_TOO_DEEP',
  'TOO_MANY_ALIASES',
  'QUERY_TOO_COSTLY',
  'TOO_MANY_AUTH_ATTEMPTS',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'SUBGRAPH_UNAVAILABLE',
  'SUBGRAPH_TIMEOUT',
  // the subgraphs
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'CONFLICT',
  'UNAVAILABLE',
]);

/** Extensions that carry no internals and that clients use (a form field, the scopes to ask for...). */
export const PUBLIC_EXTENSIONS: ReadonlySet<string> = new Set([
  'code',
  'field',
  'type',
  'id',
  'requiredScopes',
  'retryAfter',
  'serviceName',
  'store',
  'engine',
]);

/** `code` as a metrics label: a known code, INTERNAL_SERVER_ERROR, or OTHER; never a value a client or subgraph made up. */
export function codeLabel(code: unknown): string {
  if (code === undefined || code === 'INTERNAL_SERVER_ERROR') return 'INTERNAL_SERVER_ERROR';
  return typeof code === 'string' && KNOWN_ERROR_CODES.has(code) ? code : 'OTHER';
}
