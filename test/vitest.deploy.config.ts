import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../vitest.shared.js';

/** Deployment tests: production builds, a fresh clone's `npm start`. They start their own processes. */
export default mergeConfig(
  shared,
  defineConfig({
    test: {
      include: ['deploy/**/*.test.ts'],
      testTimeout: 120_000,
      hookTimeout: 900_000,
    },
  }),
);
