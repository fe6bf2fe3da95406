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
  await seedGraph(demoSeedSize, log);
  log(DEMO_SIGN_IN);
}
