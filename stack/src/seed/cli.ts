#!/usr/bin/env -S npx tsx
/**
 * `npm run seed -- [--users N --posts N --follows N --likes N --products N --orders N --seed N | --scale X]`:
 * a deterministic demo graph (seeded random) written through the stores' bulk paths.
 */
import { say } from '../context.js';
import { DEMO_SIGN_IN } from './seed-if-empty.js';
import { seedGraph } from './seed-graph.js';
import { parseSeedSize } from './size.js';

const log = (message: string) => say('seed', message);
seedGraph(parseSeedSize(process.argv.slice(2)), log).then(
  () => {
    log(DEMO_SIGN_IN);
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
