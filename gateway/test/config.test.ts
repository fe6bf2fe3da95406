import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config.js';

const production = {
  NODE_ENV: 'production',
  JWT_SECRET: 'a-real-production-jwt-secret-0123',
  GATEWAY_SHARED_SECRET: 'a-real-production-shared-secret-0123',
};

describe('configuration', () => {
  it('enforces authorization and demand control by default', () => {
    expect(loadGatewayConfig(production).GATEWAY_ENFORCE_POLICY).toBe(true);
    expect(
      loadGatewayConfig({ NODE_ENV: 'test', GATEWAY_ENFORCE_POLICY: 'false' }).GATEWAY_ENFORCE_POLICY,
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
});
