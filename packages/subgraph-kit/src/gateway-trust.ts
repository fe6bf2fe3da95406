import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { baseConfigSchema, configurationError, envFlag, SECRET_HINT } from './config.js';
import { parsePublicKey, SigningKeyError } from './signing-keys.js';

/**
 * How a subgraph trusts the gateway: the gateway's public key (several, comma-separated, while a key
 * is rotated), the signature window, and `<NAME>_ALLOW_UNSIGNED`. One parser for every subgraph, so
 * the flag accepts the same values and is refused in production everywhere.
 */
export const subgraphConfigSchema = baseConfigSchema.extend({
  /** The gateway's Ed25519 public key (PEM or base64 DER); the private key stays with the gateway. */
  GATEWAY_SIGNING_PUBLIC_KEY: z.string().optional(),
  /** How far (either way) a signature's timestamp may be from this subgraph's clock. */
  GATEWAY_SIGNATURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(300).default(30),
});

export type SubgraphBaseConfig = z.infer<typeof subgraphConfigSchema>;

/** `<NAME>_ALLOW_UNSIGNED`: `true` or `false` (the default), nothing else. */
export const allowUnsignedFlag = envFlag(false);

export interface GatewayTrust {
  publicKeys: KeyObject[];
  windowMs: number;
  /**
   * Requests with no signature at all are served as anonymous (exploring one subgraph alone in
   * development). A signature that is present but wrong is refused all the same.
   */
  allowUnsigned: boolean;
}

/** The trust settings of subgraph `name`, or a start-up refusal naming the variable. */
export function gatewayTrust(name: string, config: SubgraphBaseConfig, allowUnsigned: boolean): GatewayTrust {
  const flag = `${name.toUpperCase()}_ALLOW_UNSIGNED`;
  if (allowUnsigned && config.NODE_ENV === 'production')
    throw configurationError({ [flag]: 'never accept unsigned requests in production' });
  const given = config.GATEWAY_SIGNING_PUBLIC_KEY?.trim() ?? '';
  if (given === '' && !allowUnsigned)
    throw configurationError({
      GATEWAY_SIGNING_PUBLIC_KEY: `required: the gateway's Ed25519 public key (${SECRET_HINT})`,
    });
  try {
    const publicKeys = given === '' ? [] : given.split(',').map((key) => parsePublicKey(key));
    return { publicKeys, windowMs: config.GATEWAY_SIGNATURE_WINDOW_SECONDS * 1000, allowUnsigned };
  } catch (error) {
    if (!(error instanceof SigningKeyError)) throw error;
    const [variable, ...problem] = error.message.split(': ');
    throw configurationError({ [variable!]: problem.join(': ') });
  }
}
