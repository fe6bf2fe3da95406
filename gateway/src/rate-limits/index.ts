import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import { authAttemptAccounts } from './auth-mutations.js';
import type { RateLimits } from './limiters.js';

export { RateLimits, type RateLimitSettings } from './limiters.js';

/**
 * Per-operation limits: one auth mutation per operation (always), and the stricter logIn/signUp
 * budget per client IP and per account (when rate limits are on). (The per-IP and per-viewer budget of every request is consumed when
 * the context is built, before parsing.)
 */
export function authAttemptLimitPlugin(limits: RateLimits | undefined): ApolloServerPlugin<GatewayContext> {
  return {
    requestDidStart: async () => ({
      didResolveOperation: async ({ schema, document, operation, request, contextValue }) => {
        if (!operation) return;
        const accounts = authAttemptAccounts(schema, document, operation, request.variables ?? {});
        if (accounts && limits) await limits.authAttempt(contextValue.clientIp, accounts);
      },
    }),
  };
}
