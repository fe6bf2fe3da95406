import pg from 'pg';
import { postgres } from '../stores/postgres.js';
import { storeUrl } from '../url.js';
import { seedGraph } from './seed-graph.js';
import { defaultSeedSize } from './size.js';

/** `npm start` seeds the default demo graph once: when the core has no users yet. */
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
  await seedGraph(defaultSeedSize, log);
}
