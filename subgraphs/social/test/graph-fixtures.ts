import type { Driver } from 'neo4j-driver';
import { Graph } from '../src/neo4j.js';
import { Projection, type PostState } from '../src/projection.js';

/** Users as they arrive from core's UserCreated events. */
export async function createUsers(driver: Driver, ids: string[]): Promise<void> {
  await new Graph(driver).write('UNWIND $ids AS id MERGE (:User {id: id})', { ids });
}

/** Follows written straight to the graph, `at` one minute apart in the given order. */
export async function addFollows(driver: Driver, pairs: [string, string][]): Promise<void> {
  const rows = pairs.map(([from, to], index) => ({
    from,
    to,
    at: new Date(Date.UTC(2025, 0, 1, 0, index)).toISOString(),
  }));
  await new Graph(driver).write(
    `UNWIND $rows AS row
     MATCH (from:User {id: row.from}), (to:User {id: row.to})
     MERGE (from)-[follow:FOLLOWS]->(to) ON CREATE SET follow.at = row.at`,
    { rows },
  );
}

/** Posts as they arrive from content's events. */
export async function createPosts(
  driver: Driver,
  posts: Omit<PostState, 'version' | 'status'>[],
  status = 'PUBLISHED',
): Promise<void> {
  const projection = new Projection(new Graph(driver));
  for (const post of posts) await projection.upsertPost({ ...post, status, version: 1 });
}
