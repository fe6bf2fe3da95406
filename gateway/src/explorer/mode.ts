import type { GatewayConfig } from '../config.js';

/**
 * What a browser gets on `GET /graphql`: `graphiql`, our own bundled GraphiQL (works offline);
 * `sandbox`, Apollo's landing page (loads Apollo Sandbox from Apollo's CDN: needs the internet);
 * `off`, no page at all.
 */
export const explorerModes = ['graphiql', 'sandbox', 'off'] as const;
export type ExplorerMode = (typeof explorerModes)[number];

/** GATEWAY_EXPLORER, else `graphiql` in development and `off` in production. */
export function explorerModeOf(config: Pick<GatewayConfig, 'GATEWAY_EXPLORER' | 'NODE_ENV'>): ExplorerMode {
  return config.GATEWAY_EXPLORER ?? (config.NODE_ENV === 'production' ? 'off' : 'graphiql');
}
