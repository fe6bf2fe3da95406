import { testSecrets } from '@aetherial/subgraph-kit';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config.js';

const secrets = {
  JWT_SECRET: testSecrets().JWT_SECRET,
  GATEWAY_SIGNING_PRIVATE_KEY: testSecrets().GATEWAY_SIGNING_PRIVATE_KEY,
};
const production = { NODE_ENV: 'production', ...secrets };

describe('configuration', () => {
  it('enforces authorization and demand control by default', () => {
    expect(loadGatewayConfig(production).GATEWAY_ENFORCE_POLICY).toBe(true);
    expect(
      loadGatewayConfig({ NODE_ENV: 'test', ...secrets, GATEWAY_ENFORCE_POLICY: 'false' })
        .GATEWAY_ENFORCE_POLICY,
    ).toBe(false);
  });

  it('refuses to switch them off in production', () => {
    expect(() => loadGatewayConfig({ ...production, GATEWAY_ENFORCE_POLICY: 'false' })).toThrow(
      /GATEWAY_ENFORCE_POLICY: must be true in production/,
    );
  });

  it('has rate limits on by default with a stricter budget for logIn/signUp', () => {
    const config = loadGatewayConfig(production);
    expect(config.GATEWAY_RATE_LIMIT).toBe(true);
    expect(config.GATEWAY_RATE_LIMIT_AUTH_PER_IP).toBeLessThan(config.GATEWAY_RATE_LIMIT_PER_IP);
    expect(config.GATEWAY_TRUST_PROXY).toBe(false);
  });

  it('reads a yes/no setting with the kit’s one parser: a typo is refused by name, not read as a default', () => {
    expect(loadGatewayConfig({ NODE_ENV: 'test', ...secrets, GATEWAY_CACHE: 'false' }).GATEWAY_CACHE).toBe(
      false,
    );
    for (const typo of ['yes', '1', 'ture'])
      expect(() => loadGatewayConfig({ NODE_ENV: 'test', ...secrets, GATEWAY_CACHE: typo })).toThrow(
        /GATEWAY_CACHE: must be true or false/,
      );
  });
});
