import { randomBytes } from 'node:crypto';
import { generateSigningKeys } from './signing-keys.js';

/** The secrets a graph's processes need; nothing has a default, so whoever starts them provides these. */
export interface GraphSecrets {
  /** Core signs its tokens with it (HS256), the gateway verifies them. */
  JWT_SECRET: string;
  /** The gateway signs subgraph calls with it; no subgraph has it. */
  GATEWAY_SIGNING_PRIVATE_KEY: string;
  /** Subgraphs verify the gateway's calls with it. */
  GATEWAY_SIGNING_PUBLIC_KEY: string;
}

export const GRAPH_SECRET_NAMES = [
  'JWT_SECRET',
  'GATEWAY_SIGNING_PRIVATE_KEY',
  'GATEWAY_SIGNING_PUBLIC_KEY',
] as const satisfies readonly (keyof GraphSecrets)[];

/** Fresh random secrets for one run of a development or test graph (`npm start`, the test setups). */
export function developmentSecrets(): GraphSecrets {
  const keys = generateSigningKeys();
  return {
    JWT_SECRET: randomBytes(32).toString('base64url'),
    GATEWAY_SIGNING_PRIVATE_KEY: keys.privateKey,
    GATEWAY_SIGNING_PUBLIC_KEY: keys.publicKey,
  };
}
