/**
 * `npm run bench:subscriptions -w test -- [--subscribers 1,100,1000] [--posts 30] [--burst 100]`:
 * the subscription suite alone (the same as `npm run bench -- --only subscriptions`).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runSubscriptionSuite } from './suite.js';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1,100,1000' },
    posts: { type: 'string', default: '30' },
    burst: { type: 'string', default: '100' },
  },
});
const { files } = await runSubscriptionSuite(
  {
    counts: values.subscribers.split(',').map(Number),
    posts: Number(values.posts),
    burst: Number(values.burst),
    outDir: resolve(import.meta.dirname, '../results'),
  },
  (message) => console.log(message),
);
for (const file of files) console.log(`wrote ${file}`);
