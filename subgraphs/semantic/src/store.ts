import type { GuardRecord } from '@aetherial/events';
import type { StoreRequestCounter } from '@aetherial/subgraph-kit';
import {
  Filters,
  generateUuid5,
  type Collection,
  type FilterValue,
  type WeaviateClient,
} from 'weaviate-client';
import {
  ensurePostCollection,
  ensureTombstoneCollection,
  tombstoneCollectionName,
  type PostProperties,
  type TombstoneProperties,
} from './collection-schema.js';
import type { IndexedPost } from './indexed-post.js';

/** One search result: the post's id and how well it matches (higher is better). */
export interface PostHit {
  postId: string;
  score: number;
}

/**
 * How hybrid search merges its keyword and vector lists (Weaviate's fusion types): `relativeScore`
 * rescales each list's scores to [0, 1] and adds them weighted by alpha; `ranked` adds
 * alpha-weighted reciprocal ranks (1 / (60 + rank)), ignoring score gaps.
 */
export type HybridFusion = 'relativeScore' | 'ranked';

/** Conditions every hit must meet, on top of matching the text. */
export interface PostFilter {
  tags?: string[];
  authorId?: string;
  createdAfter?: Date;
}

export interface VectorisedPost {
  post: IndexedPost;
  vector: number[];
}

/** Weaviate object ids derive from the post id (UUID v5), so writing a post twice replaces it. */
export const objectIdOf = (postId: string): string => generateUuid5(postId);

type PostCollection = Collection<PostProperties>;
type TombstoneCollection = Collection<TombstoneProperties>;

/** A post's version-guard record, and where it is stored (both only after an interrupted write). */
export interface StoredGuard extends GuardRecord {
  live: boolean;
  tombstone: boolean;
}

/** A removal to remember: the post and the version it was removed at. */
export interface Tombstone {
  postId: string;
  version: number;
}

/**
 * The semantic read model in Weaviate, always addressed through its alias (`Post` by default).
 * Every method is one Weaviate request. weaviate-client has no hook to count requests by, so
 * `requests` (`store_requests_total{store="weaviate"}`) is counted here, as each request is sent.
 * Not counted: `ensure` (start-up) and the server version a collection handle needs, which the
 * client asks for once and caches.
 */
export class PostIndex {
  /**
   * `tombstones` defaults to `<alias>_tombstones`; a rebuild writing a new collection by its own
   * name passes the alias's, so tombstones are shared across rebuilds.
   */
  constructor(
    private readonly client: WeaviateClient,
    readonly alias: string,
    private readonly requests?: StoreRequestCounter,
    readonly tombstones: string = tombstoneCollectionName(alias),
  ) {}

  /** Readiness: Weaviate answers its ready endpoint (one request); false when it does not. */
  isReady(): Promise<boolean> {
    this.requests?.inc();
    return this.client.isReady().catch(() => false);
  }

  private handle: PostCollection | undefined;
  private tombstoneHandle: TombstoneCollection | undefined;

  /**
   * weaviate-client 3.12 starts a server-version request whenever a collection handle is made
   * and leaves its rejection unhandled, which ends the process when Weaviate is down. Asking for
   * the version first (awaited, cached by the client once it succeeded) makes that request
   * unnecessary, so a handle is only made once Weaviate has answered.
   */
  private async collection(): Promise<PostCollection> {
    if (this.handle) return this.handle;
    await this.client.getWeaviateVersion();
    this.handle = this.client.collections.use<string, PostProperties>(this.alias);
    return this.handle;
  }

  private async tombstoneCollection(): Promise<TombstoneCollection> {
    if (this.tombstoneHandle) return this.tombstoneHandle;
    await this.client.getWeaviateVersion();
    this.tombstoneHandle = this.client.collections.use<string, TombstoneProperties>(this.tombstones);
    return this.tombstoneHandle;
  }

  /**
   * Creates the collection (named by `embedder`), alias and tombstone collection on first use;
   * returns the collection behind the alias. Throws EmbedderMismatchError when it holds another
   * embedder's vectors.
   */
  async ensure(embedder: string): Promise<string> {
    await this.client.getWeaviateVersion();
    await ensureTombstoneCollection(this.client, this.tombstones);
    return ensurePostCollection(this.client, this.alias, embedder);
  }

  /** Stored versions of the given live posts (missing and removed posts are absent from the map). */
  async versions(postIds: readonly string[]): Promise<Map<string, number>> {
    const versions = new Map<string, number>();
    if (postIds.length === 0) return versions;
    const collection = await this.collection();
    this.requests?.inc();
    const result = await collection.query.fetchObjects({
      filters: collection.filter.byId().containsAny(postIds.map(objectIdOf)),
      returnProperties: ['postId', 'version'],
      limit: postIds.length,
    });
    for (const object of result.objects) versions.set(object.properties.postId, object.properties.version);
    return versions;
  }

  /** Versions of the given posts' tombstones (posts never removed are absent from the map). */
  async tombstoneVersions(postIds: readonly string[]): Promise<Map<string, number>> {
    const versions = new Map<string, number>();
    if (postIds.length === 0) return versions;
    const collection = await this.tombstoneCollection();
    this.requests?.inc();
    const result = await collection.query.fetchObjects({
      filters: collection.filter.byId().containsAny(postIds.map(objectIdOf)),
      returnProperties: ['postId', 'version'],
      limit: postIds.length,
    });
    for (const object of result.objects) versions.set(object.properties.postId, object.properties.version);
    return versions;
  }

  /**
   * The version-guard record of each given post (two reads, one per collection): the live
   * object's version or the tombstone's, whichever is newer. Posts never seen are absent.
   */
  async guardRecords(postIds: readonly string[]): Promise<Map<string, StoredGuard>> {
    const [live, buried] = await Promise.all([this.versions(postIds), this.tombstoneVersions(postIds)]);
    const records = new Map<string, StoredGuard>();
    for (const postId of postIds) {
      const liveVersion = live.get(postId);
      const tombstoneVersion = buried.get(postId);
      if (liveVersion === undefined && tombstoneVersion === undefined) continue;
      const deleted = (tombstoneVersion ?? 0) > (liveVersion ?? 0);
      records.set(postId, {
        version: Math.max(liveVersion ?? 0, tombstoneVersion ?? 0),
        deleted,
        live: liveVersion !== undefined,
        tombstone: tombstoneVersion !== undefined,
      });
    }
    return records;
  }

  /** Writes tombstones (replacing older ones of the same posts) in one batch. */
  async bury(tombstones: readonly Tombstone[]): Promise<void> {
    if (tombstones.length === 0) return;
    const collection = await this.tombstoneCollection();
    this.requests?.inc();
    const result = await collection.data.insertMany(
      tombstones.map(({ postId, version }) => ({
        id: objectIdOf(postId),
        properties: { postId, version, removedAt: new Date() },
      })),
    );
    if (result.hasErrors) {
      const first = Object.values(result.errors)[0];
      throw new Error(
        `Weaviate rejected ${Object.keys(result.errors).length} of ${tombstones.length} tombstones: ${first?.message ?? 'unknown error'}`,
      );
    }
  }

  /**
   * Deletes the tombstones written before `removedBefore` (the purge, see @aetherial/events'
   * purgeTombstones), in Weaviate's own batch delete by filter, repeated while it finds more (one
   * call deletes at most QUERY_MAXIMUM_RESULTS). Returns how many went.
   */
  async purgeTombstones(removedBefore: Date): Promise<number> {
    const collection = await this.tombstoneCollection();
    let purged = 0;
    for (;;) {
      this.requests?.inc();
      const result = await collection.data.deleteMany(
        collection.filter.byProperty('removedAt').lessThan(removedBefore),
      );
      if (result.failed > 0) throw new Error(`Weaviate failed to delete ${result.failed} tombstones`);
      purged += result.successful;
      if (result.successful === 0 || result.matches <= result.successful) return purged;
    }
  }

  /** Drops the tombstones of posts that are live again. */
  async unbury(postIds: readonly string[]): Promise<void> {
    if (postIds.length === 0) return;
    const collection = await this.tombstoneCollection();
    this.requests?.inc();
    const result = await collection.data.deleteMany(
      collection.filter.byId().containsAny(postIds.map(objectIdOf)),
    );
    if (result.failed > 0)
      throw new Error(`Weaviate failed to delete ${result.failed} of ${postIds.length} tombstones`);
  }

  /** Inserts or replaces posts with their vectors in one batch; fails if any object failed. */
  async upsert(entries: readonly VectorisedPost[]): Promise<void> {
    if (entries.length === 0) return;
    const collection = await this.collection();
    this.requests?.inc();
    const result = await collection.data.insertMany(
      entries.map(({ post, vector }) => ({
        id: objectIdOf(post.postId),
        properties: {
          postId: post.postId,
          title: post.title,
          body: post.body,
          tags: post.tags,
          authorId: post.authorId,
          status: post.status,
          createdAt: post.createdAt,
          version: post.version,
        },
        vectors: vector,
      })),
    );
    if (result.hasErrors) {
      const first = Object.values(result.errors)[0];
      throw new Error(
        `Weaviate rejected ${Object.keys(result.errors).length} of ${entries.length} posts: ${first?.message ?? 'unknown error'}`,
      );
    }
  }

  async remove(postIds: readonly string[]): Promise<void> {
    if (postIds.length === 0) return;
    const collection = await this.collection();
    this.requests?.inc();
    const result = await collection.data.deleteMany(
      collection.filter.byId().containsAny(postIds.map(objectIdOf)),
    );
    if (result.failed > 0)
      throw new Error(`Weaviate failed to delete ${result.failed} of ${postIds.length} posts`);
  }

  /** The stored vectors of the given posts, in one request. */
  async vectors(postIds: readonly string[]): Promise<Map<string, number[]>> {
    const vectors = new Map<string, number[]>();
    if (postIds.length === 0) return vectors;
    const collection = await this.collection();
    this.requests?.inc();
    const result = await collection.query.fetchObjects({
      filters: collection.filter.byId().containsAny(postIds.map(objectIdOf)),
      returnProperties: ['postId'],
      includeVector: true,
      limit: postIds.length,
    });
    for (const object of result.objects) {
      const vector = object.vectors.default;
      if (Array.isArray(vector) && typeof vector[0] === 'number')
        vectors.set(object.properties.postId, vector as number[]);
    }
    return vectors;
  }

  /** Nearest posts by cosine distance; score = 1 - distance (cosine similarity). */
  async nearVector(
    vector: number[],
    limit: number,
    filter: PostFilter = {},
    excludePostId?: string,
  ): Promise<PostHit[]> {
    const collection = await this.collection();
    const conditions = this.conditions(collection, filter);
    if (excludePostId !== undefined)
      conditions.push(collection.filter.byId().notEqual(objectIdOf(excludePostId)));
    this.requests?.inc();
    const result = await collection.query.nearVector(vector, {
      limit,
      returnProperties: ['postId'],
      returnMetadata: ['distance'],
      ...(conditions.length > 0 ? { filters: Filters.and(...conditions) } : {}),
    });
    return result.objects.map((object) => ({
      postId: object.properties.postId,
      score: 1 - (object.metadata?.distance ?? 1),
    }));
  }

  /**
   * Weaviate's hybrid search: BM25 over title and body fused with the vector search on `vector`
   * (`fusion`, relative score by default). alpha 1 is pure vector, 0 pure keyword.
   */
  async hybrid(
    text: string,
    vector: number[],
    alpha: number,
    limit: number,
    filter: PostFilter = {},
    fusion: HybridFusion = 'relativeScore',
  ): Promise<PostHit[]> {
    const collection = await this.collection();
    const conditions = this.conditions(collection, filter);
    this.requests?.inc();
    const result = await collection.query.hybrid(text, {
      vector,
      alpha,
      limit,
      fusionType: fusion === 'ranked' ? 'Ranked' : 'RelativeScore',
      queryProperties: ['title', 'body'],
      returnProperties: ['postId'],
      returnMetadata: ['score'],
      ...(conditions.length > 0 ? { filters: Filters.and(...conditions) } : {}),
    });
    return result.objects.map((object) => ({
      postId: object.properties.postId,
      score: object.metadata?.score ?? 0,
    }));
  }

  /**
   * Keyword-only ranking (BM25 over title and body); the baseline the quality eval compares with.
   * `allWords` keeps only posts holding every word of the text (Weaviate's `And` operator).
   */
  async bm25(
    text: string,
    limit: number,
    filter: PostFilter = {},
    { allWords = false }: { allWords?: boolean } = {},
  ): Promise<PostHit[]> {
    const collection = await this.collection();
    const conditions = this.conditions(collection, filter);
    this.requests?.inc();
    const result = await collection.query.bm25(text, {
      limit,
      queryProperties: ['title', 'body'],
      ...(allWords ? { operator: { operator: 'And' as const } } : {}),
      returnProperties: ['postId'],
      returnMetadata: ['score'],
      ...(conditions.length > 0 ? { filters: Filters.and(...conditions) } : {}),
    });
    return result.objects.map((object) => ({
      postId: object.properties.postId,
      score: object.metadata?.score ?? 0,
    }));
  }

  async count(): Promise<number> {
    const collection = await this.collection();
    this.requests?.inc();
    const result = await collection.aggregate.overAll();
    return result.totalCount;
  }

  private conditions(collection: PostCollection, filter: PostFilter): FilterValue[] {
    const conditions: FilterValue[] = [];
    if (filter.tags && filter.tags.length > 0)
      conditions.push(collection.filter.byProperty('tags').containsAny(filter.tags));
    if (filter.authorId !== undefined)
      conditions.push(collection.filter.byProperty('authorId').equal(filter.authorId));
    if (filter.createdAfter !== undefined) {
      conditions.push(collection.filter.byProperty('createdAt').greaterThan(filter.createdAfter));
    }
    return conditions;
  }
}
