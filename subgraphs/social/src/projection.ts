import type { GuardRecord } from '@aetherial/events';
import { Graph, int } from './neo4j.js';

/** What social keeps of a post owned by content. */
export interface PostState {
  id: string;
  authorId: string;
  /** ISO-8601, normalised so that string order is time order. */
  createdAt: string;
  status: string;
  version: number;
}

/**
 * The version guard of `@aetherial/events` (`decideVersion`) in Cypher, evaluated in the same
 * write as the change (a conditional MERGE, atomic per node): apply when the node was never seen
 * or the change is newer than its version, live or tombstone alike.
 */
const newerThanStored = (node: string) => `${node}.version IS NULL OR ${node}.version < $version`;

/**
 * The projection of content's posts and core's users into the graph. Every write is idempotent:
 * a redelivered or older event (version not above the stored one) changes nothing. A deleted
 * post stays as a tombstone node (`deleted: true` with the delete's version, no relationships).
 * Each method answers whether the change was applied.
 */
export class Projection {
  constructor(private readonly graph: Graph) {}

  async upsertPost(post: PostState): Promise<boolean> {
    const rows = await this.graph.write<{ id: string }>(
      `MERGE (post:Post {id: $id})
       WITH post WHERE ${newerThanStored('post')}
       SET post.authorId = $authorId, post.createdAt = $createdAt, post.status = $status,
           post.version = $version, post.deleted = false
       MERGE (author:User {id: $authorId})
       MERGE (author)-[:AUTHORED]->(post)
       WITH post, author
       CALL (post, author) {
         MATCH (previous:User)-[stale:AUTHORED]->(post) WHERE previous <> author
         DELETE stale
       }
       RETURN post.id AS id`,
      { ...post, version: int(post.version) },
    );
    return rows.length > 0;
  }

  /**
   * Keeps a tombstone (id, version, deleted, and when: `removedAt`, epoch ms, for the purge) so an
   * older event delivered late cannot bring the post back; its likes and authorship go.
   */
  async deletePost(id: string, version: number): Promise<boolean> {
    const rows = await this.graph.write<{ id: string }>(
      `MERGE (post:Post {id: $id})
       WITH post WHERE ${newerThanStored('post')}
       SET post.version = $version, post.deleted = true, post.removedAt = timestamp()
       WITH post
       CALL (post) {
         MATCH (post)-[relation]-()
         DELETE relation
       }
       RETURN post.id AS id`,
      { id, version: int(version) },
    );
    return rows.length > 0;
  }

  /**
   * Deletes the tombstones written before `removedBefore` (the purge, see @aetherial/events'
   * purgeTombstones), a bounded number a transaction; returns how many went. A post re-created
   * since is live (`deleted = false`) and stays.
   */
  async purgeTombstones(removedBefore: Date, batchSize = 1000): Promise<number> {
    let purged = 0;
    for (;;) {
      const rows = await this.graph.write<{ purged: number }>(
        `MATCH (post:Post) WHERE post.removedAt < $before AND post.deleted = true
         WITH post LIMIT $batch
         DETACH DELETE post
         RETURN count(*) AS purged`,
        { before: int(removedBefore.getTime()), batch: int(batchSize) },
      );
      const count = Number(rows[0]?.purged ?? 0);
      purged += count;
      if (count < batchSize) return purged;
    }
  }

  /** The version-guard record of a post (live or tombstone); null when the graph never saw it. */
  async postGuardRecord(id: string): Promise<GuardRecord | null> {
    const rows = await this.graph.read<{ version: number | null; deleted: boolean | null }>(
      `MATCH (post:Post {id: $id}) RETURN post.version AS version, post.deleted AS deleted`,
      { id },
    );
    const row = rows[0];
    if (!row || row.version === null) return null;
    return { version: Number(row.version), deleted: row.deleted === true };
  }

  async mergeUser(id: string): Promise<boolean> {
    const rows = await this.graph.write<{ created: boolean }>(
      `OPTIONAL MATCH (existing:User {id: $id})
       MERGE (user:User {id: $id})
       RETURN existing IS NULL AS created`,
      { id },
    );
    return rows[0]?.created ?? false;
  }
}
