import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * Test settings every package shares. Vite would resolve `graphql` to its ESM build while
 * @apollo/subgraph requires the CommonJS one: two graphql instances ("Cannot use
 * GraphQLUnionType from another module or realm"). One alias keeps a single instance.
 */
export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  test: { testTimeout: 30_000, hookTimeout: 60_000, fileParallelism: false },
});
