import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // Vite would resolve `graphql` to its ESM build for workspace sources while @apollo/subgraph
  // loads the CommonJS one: two graphql instances ("Cannot use GraphQLUnionType from another
  // realm"). Node itself (tsx) resolves the CommonJS build, so tests use that one too.
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  test: { testTimeout: 30000, hookTimeout: 60000, fileParallelism: false },
});
