import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // Vite would resolve `graphql` to its ESM build while @apollo/subgraph requires the CommonJS
  // one: two graphql instances ("Cannot use GraphQLUnionType from another module or realm").
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  test: { testTimeout: 30000, hookTimeout: 60000, fileParallelism: false },
});
