import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Driver } from 'neo4j-driver';
import { Graph } from '../src/neo4j.js';
import { seedSocial, type SeedPost } from '../src/seed.js';
import { connectDriver, deleteTestNodes, newPrefix, seededRandom } from './helpers.js';

const prefixes = [newPrefix(), newPrefix()];
let driver: Driver;
let graph: Graph;

beforeAll(() => {
  driver = connectDriver();
  graph = new Graph(driver);
});

afterAll(async () => {
  for (const prefix of prefixes) await deleteTestNodes(driver, prefix);
  await driver.close();
});

function input(prefix: string) {
  const userIds = Array.from({ length: 200 }, (_, index) => `${prefix}user${index}`);
  const posts: SeedPost[] = Array.from({ length: 300 }, (_, index) => ({
    id: `${prefix}post${index}`,
    authorId: userIds[(index * 7) % userIds.length]!,
    createdAt: new Date(Date.UTC(2025, 0, 1) + index * 3_600_000),
  }));
  return { userIds, posts };
}

/** Edges with the run prefix stripped, so two runs under different prefixes compare. */
async function edges(prefix: string, type: 'FOLLOWS' | 'LIKED'): Promise<string[]> {
  const rows = await graph.read<{ from: string; to: string; at: string }>(
    `MATCH (from:User)-[edge:${type}]->(to) WHERE from.id STARTS WITH $prefix
     RETURN from.id AS from, to.id AS to, edge.at AS at ORDER BY from, to`,
    { prefix },
  );
  return rows.map((row) => `${row.from.slice(prefix.length)}>${row.to.slice(prefix.length)}@${row.at}`);
}

describe('seedSocial', () => {
  it('writes the asked numbers of distinct follows and likes, deterministically', async () => {
    const summaries = [];
    for (const prefix of prefixes) {
      summaries.push(
        await seedSocial({
          driver,
          ...input(prefix),
          follows: 2000,
          likes: 1500,
          random: seededRandom(42),
          batchSize: 700,
        }),
      );
    }
    expect(summaries[0]).toEqual({ users: 200, posts: 300, follows: 2000, likes: 1500 });
    const [followsA, followsB] = [await edges(prefixes[0]!, 'FOLLOWS'), await edges(prefixes[1]!, 'FOLLOWS')];
    expect(followsA).toHaveLength(2000); // MERGE would have collapsed duplicates
    expect(followsA).toEqual(followsB);
    expect(await edges(prefixes[0]!, 'LIKED')).toEqual(await edges(prefixes[1]!, 'LIKED'));
    const selfFollows = await graph.read<{ n: number }>(
      'MATCH (user:User)-[:FOLLOWS]->(user) WHERE user.id STARTS WITH $prefix RETURN count(*) AS n',
      { prefix: prefixes[0] },
    );
    expect(selfFollows[0]!.n).toBe(0);
    const authored = await graph.read<{ n: number }>(
      'MATCH (:User)-[:AUTHORED]->(post:Post) WHERE post.id STARTS WITH $prefix RETURN count(*) AS n',
      { prefix: prefixes[0] },
    );
    expect(authored[0]!.n).toBe(300);
  });

  it('makes popularity heavy-tailed, so recommendations have something to rank', async () => {
    const rows = await graph.read<{ followers: number }>(
      `MATCH (user:User) WHERE user.id STARTS WITH $prefix
       RETURN COUNT { (user)<-[:FOLLOWS]-() } AS followers ORDER BY followers DESC`,
      { prefix: prefixes[0] },
    );
    const counts = rows.map((row) => row.followers);
    const median = counts[Math.floor(counts.length / 2)]!;
    expect(counts[0]!).toBeGreaterThan(5 * Math.max(1, median));
    const mutual = await graph.read<{ best: number }>(
      `MATCH (user:User)-[:FOLLOWS]->(:User)-[:FOLLOWS]->(candidate:User)
       WHERE user.id STARTS WITH $prefix AND candidate <> user AND NOT EXISTS { (user)-[:FOLLOWS]->(candidate) }
       WITH user, candidate, count(*) AS mutualFollows RETURN max(mutualFollows) AS best`,
      { prefix: prefixes[0] },
    );
    expect(mutual[0]!.best).toBeGreaterThan(2);
  });

  it('changes nothing when run again with the same input', async () => {
    const before = await edges(prefixes[0]!, 'FOLLOWS');
    await seedSocial({
      driver,
      ...input(prefixes[0]!),
      follows: 2000,
      likes: 1500,
      random: seededRandom(42),
    });
    expect(await edges(prefixes[0]!, 'FOLLOWS')).toEqual(before);
  });
});
