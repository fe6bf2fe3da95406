#!/usr/bin/env -S npx tsx
/**
 * `npm run seed -- [--users N --posts N --follows N --likes N --products N --orders N --seed N | --scale X]`:
 * a deterministic demo graph (seeded random) written through the stores' bulk paths.
 */
import { say } from '../context.js';
import { seedGraph } from './seed-graph.js';
import { parseSeedSize } from './size.js';

seedGraph(parseSeedSize(process.argv.slice(2)), (message) => say('seed', message)).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
