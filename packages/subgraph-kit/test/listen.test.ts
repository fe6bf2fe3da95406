import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseConfigSchema, createLogger, listenAddress, loadConfig, startSubgraph } from '../src/index.js';

const schema = baseConfigSchema.extend({ ...listenAddress('DEMO', 4999) });

describe('listenAddress', () => {
  it('defaults to loopback and the service port', () => {
    const config = loadConfig(schema, {});
    expect([config.DEMO_HOST, config.DEMO_PORT]).toEqual(['127.0.0.1', 4999]);
  });

  it('takes <NAME>_HOST and <NAME>_PORT from the environment', () => {
    const config = loadConfig(schema, { DEMO_HOST: '0.0.0.0', DEMO_PORT: '5123' });
    expect([config.DEMO_HOST, config.DEMO_PORT]).toEqual(['0.0.0.0', 5123]);
  });

  it.each(['70000', '-1', 'http', '1.5'])('refuses port %s, naming the variable', (port) => {
    expect(() => loadConfig(schema, { DEMO_PORT: port })).toThrow(/DEMO_PORT/);
  });

  it('refuses an empty host', () => {
    expect(() => loadConfig(schema, { DEMO_HOST: '' })).toThrow(/DEMO_HOST/);
  });

  it('types the keys from the prefix', () => {
    const shape = z.object(listenAddress('X', 1));
    expect(Object.keys(shape.shape).sort()).toEqual(['X_HOST', 'X_PORT']);
  });
});

describe('a subgraph binds the host it is given', () => {
  it('answers on 127.0.0.2 and not on 127.0.0.1', async () => {
    const running = await startSubgraph({
      name: 'bind-test',
      typeDefs: parse('type Query { ok: Boolean }'),
      resolvers: { Query: { ok: () => true } },
      port: 0,
      host: '127.0.0.2',
      gatewaySecret: 'bind-test-secret-0123456789',
      context: (base) => base,
      ready: async () => undefined,
      close: async () => undefined,
      log: createLogger('bind-test', 'silent'),
    });
    try {
      const { port } = new URL(running.url);
      expect(running.url).toBe(`http://127.0.0.2:${port}/graphql`);
      expect((await fetch(`http://127.0.0.2:${port}/health`)).status).toBe(200);
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    } finally {
      await running.stop();
    }
  });
});
