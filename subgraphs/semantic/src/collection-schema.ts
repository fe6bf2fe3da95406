import { configure, type WeaviateClient } from 'weaviate-client';

/** The Weaviate properties of one indexed post (dates as Date: the client converts them). */
export type PostProperties = {
  postId: string;
  title: string;
  body: string;
  tags: string[];
  authorId: string;
  status: string;
  createdAt: Date;
  version: number;
};

/**
 * A collection of posts with vectors we compute ourselves (no Weaviate vectorizer module),
 * cosine distance on an uncompressed HNSW index: the collection is small per node and exact
 * distances keep `score = 1 - distance` honest.
 */
export async function createPostCollection(client: WeaviateClient, name: string): Promise<void> {
  await client.collections.create<PostProperties>({
    name,
    description: 'Published posts with their text embeddings (read model of the content subgraph)',
    vectorizers: configure.vectors.selfProvided({
      vectorIndexConfig: configure.vectorIndex.hnsw({
        distanceMetric: 'cosine',
        quantizer: configure.vectorIndex.quantizer.none(),
      }),
    }),
    properties: [
      {
        name: 'postId',
        dataType: 'text',
        tokenization: 'field',
        indexFilterable: true,
        indexSearchable: false,
      },
      { name: 'title', dataType: 'text', tokenization: 'word', indexSearchable: true },
      { name: 'body', dataType: 'text', tokenization: 'word', indexSearchable: true },
      {
        name: 'tags',
        dataType: 'text[]',
        tokenization: 'field',
        indexFilterable: true,
        indexSearchable: false,
      },
      {
        name: 'authorId',
        dataType: 'text',
        tokenization: 'field',
        indexFilterable: true,
        indexSearchable: false,
      },
      {
        name: 'status',
        dataType: 'text',
        tokenization: 'field',
        indexFilterable: true,
        indexSearchable: false,
      },
      { name: 'createdAt', dataType: 'date', indexFilterable: true, indexRangeFilters: true },
      { name: 'version', dataType: 'int', indexFilterable: true },
    ],
  });
}

/** What the semantic read model remembers of a removed post (the version guard's tombstone). */
export type TombstoneProperties = {
  postId: string;
  version: number;
  /** When the indexer wrote it, for the purge (absent on tombstones from before it: kept). */
  removedAt?: Date;
};

/** What a tombstone guards with: the post and the version of its removal (all it had before the purge). */
export const tombstoneGuardProperties = [
  { name: 'postId', dataType: 'text', tokenization: 'field', indexFilterable: true, indexSearchable: false },
  { name: 'version', dataType: 'int', indexFilterable: true },
] as const;

/** Added to tombstone collections made before the purge (Weaviate adds a property in place). */
const removedAtProperty = {
  name: 'removedAt',
  dataType: 'date',
  indexFilterable: true,
  indexRangeFilters: true,
} as const;

/**
 * The tombstones of an alias's posts live in a collection of their own, `<alias>_tombstones`:
 * searches and vectors stay untouched by them, and they outlive the rebuilds that replace the
 * collection behind the alias (the source of truth no longer knows the removed posts).
 */
export const tombstoneCollectionName = (alias: string): string => `${alias}_tombstones`;

/** Creates the tombstone collection when it does not exist (no vectors are ever stored in it). */
export async function ensureTombstoneCollection(client: WeaviateClient, name: string): Promise<void> {
  if (await client.collections.exists(name)) {
    const collection = client.collections.use<string, TombstoneProperties>(name);
    const { properties } = await collection.config.get();
    if (!properties.some((property) => property.name === removedAtProperty.name))
      await collection.config.addProperty(removedAtProperty).catch(async (error: unknown) => {
        // Subgraph and indexer start together: the other one may have added it meanwhile.
        const again = await collection.config.get();
        if (!again.properties.some((property) => property.name === removedAtProperty.name)) throw error;
      });
    return;
  }
  try {
    await client.collections.create<TombstoneProperties>({
      name,
      description:
        'Versions of posts removed from the semantic index, so older events cannot bring them back',
      vectorizers: configure.vectors.selfProvided(),
      properties: [...tombstoneGuardProperties, removedAtProperty],
    });
  } catch (error) {
    // Subgraph and indexer start together: the other one may have created it meanwhile.
    if (!(await client.collections.exists(name))) throw error;
  }
}

/** The embedder's name as it appears in collection names: `all-minilm-l6-v2-q` -> `all_minilm_l6_v2_q`. */
export const modelTag = (embedder: string): string => embedder.toLowerCase().replace(/[^a-z0-9]+/g, '_');

/** Collections made before names carried the model (`<alias>_v<time>`) all hold USE-lite vectors. */
const LEGACY_MODEL_TAG = modelTag('universal-sentence-encoder-lite');

/**
 * A new physical collection behind the alias, named by the embedder that fills it, e.g.
 * `Post_all_minilm_l6_v2_q_v1732960000000`: vectors of two models never share a collection, and
 * which model a collection holds is visible in its name.
 */
export const versionedName = (alias: string, embedder: string, now = Date.now()): string =>
  `${alias}_${modelTag(embedder)}_v${now}`;

/** The model tag of a collection `<alias>_<tag>_v<time>` (or the legacy `<alias>_v<time>`); null if neither. */
export function collectionModelTag(alias: string, collection: string): string | null {
  if (!collection.startsWith(`${alias}_`)) return null;
  const rest = collection.slice(alias.length + 1);
  if (/^v\d+$/.test(rest)) return LEGACY_MODEL_TAG;
  const match = /^(.+)_v\d+$/.exec(rest);
  return match ? match[1]! : null;
}

/** The alias points at vectors of another model than this process embeds with. */
export class EmbedderMismatchError extends Error {
  constructor(
    readonly alias: string,
    readonly collection: string,
    readonly embedder: string,
  ) {
    super(
      `semantic collection ${collection} (behind alias ${alias}) holds vectors of another model than ` +
        `this process's embedder ${embedder}; run \`npm run reindex -w @aetherial/semantic\` with the same ` +
        'SEMANTIC_EMBEDDER to rebuild it, or set SEMANTIC_EMBEDDER back',
    );
    this.name = 'EmbedderMismatchError';
  }
}

/**
 * Makes sure `alias` names a collection of `embedder`'s vectors, creating
 * `<alias>_<model>_v<time>` and the alias when neither exists. Queries and writes always go
 * through the alias, so `reindex` can build a new collection and switch the alias in one step.
 * Returns the collection the alias points at; throws EmbedderMismatchError when it holds another
 * model's vectors (a plain collection named like the alias, made by hand, is taken as it is).
 */
export async function ensurePostCollection(
  client: WeaviateClient,
  alias: string,
  embedder: string,
): Promise<string> {
  const existing = await aliasTarget(client, alias);
  if (existing) {
    const tag = collectionModelTag(alias, existing);
    if (tag !== null && tag !== modelTag(embedder))
      throw new EmbedderMismatchError(alias, existing, embedder);
    return existing;
  }
  // A plain collection with the alias's own name (made by hand): use it as it is.
  if (await client.collections.exists(alias)) return alias;
  const name = versionedName(alias, embedder);
  await createPostCollection(client, name);
  try {
    await client.alias.create({ alias, collection: name });
    return name;
  } catch (error) {
    // Another process (subgraph and indexer start together) won the race: keep its collection.
    const winner = await aliasTarget(client, alias);
    if (!winner) throw error;
    await client.collections.delete(name);
    return winner;
  }
}

export async function aliasTarget(client: WeaviateClient, alias: string): Promise<string | undefined> {
  const aliases = await client.alias.listAll();
  return aliases?.find((entry) => entry.alias === alias)?.collection;
}
