import pg from 'pg';
import { postgres } from '../stores/postgres.js';
import { storeUrl } from '../url.js';
import { seedGraph } from './seed-graph.js';
import { defaultSeedSize, type SeedSize } from './size.js';

/**
 * The graph `npm start` seeds when the core has no users yet: 30% of `npm run seed`'s default, so
 * the first start stays short (FerretDB 1.24 sorts and filters most queries in memory).
 */
export const demoSeedSize: SeedSize = {
  ...defaultSeedSize,
  users: 300,
  posts: 3_000,
  follows: 6_000,
  likes: 9_000,
  products: 150,
  orders: 600,
};

/**
 * `AETHERIAL_SEED_SCALE` (e.g. 0.05) shrinks or grows the demo graph: a test that only needs the
 * graph to start should not wait for thousands of posts. At least two users are kept.
 */
export function demoSeedSizeFromEnv(env: NodeJS.ProcessEnv = process.env): SeedSize {
  const raw = env.AETHERIAL_SEED_SCALE;
  if (raw === undefined || raw === '') return demoSeedSize;
  const scale = Number(raw);
  if (!(scale > 0)) throw new Error(`AETHERIAL_SEED_SCALE must be a positive number, got "${raw}"`);
  const scaled = (count: number, least = 0) => Math.max(least, Math.round(count * scale));
  return {
    ...demoSeedSize,
    users: scaled(demoSeedSize.users, 2),
    posts: scaled(demoSeedSize.posts),
    follows: scaled(demoSeedSize.follows),
    likes: scaled(demoSeedSize.likes),
    products: scaled(demoSeedSize.products),
    orders: scaled(demoSeedSize.orders),
  };
}

export const DEMO_SIGN_IN = `demo users sign in with their handle (e.g. user0001) and the password "demo-password"`;

export async function seedIfEmpty(log: (message: string) => void): Promise<void> {
  const client = new pg.Client({ connectionString: storeUrl(postgres).toString() });
  await client.connect();
  let users = 0;
  try {
    const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM "User"');
    users = Number(rows[0]?.count ?? 0);
  } finally {
    await client.end();
  }
  if (users > 0) {
    log(`stores hold data already (${users} users): not seeding (npm run stack -- reset for a fresh start)`);
    return;
  }
  await seedGraph(demoSeedSizeFromEnv(), log);
  log(DEMO_SIGN_IN);
}
