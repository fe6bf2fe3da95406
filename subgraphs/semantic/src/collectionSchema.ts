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

/** A new physical collection behind the alias, e.g. `Post_v1732960000000`. */
export const versionedName = (alias: string, now = Date.now()): string => `${alias}_v${now}`;

/**
 * Makes sure `alias` names a collection, creating `<alias>_v<time>` and the alias when neither
 * exists. Queries and writes always go through the alias, so `reindex` can build a new
 * collection and switch the alias in one step. Returns the collection the alias points at.
 */
export async function ensurePostCollection(client: WeaviateClient, alias: string): Promise<string> {
  const existing = await aliasTarget(client, alias);
  if (existing) return existing;
  // A plain collection with the alias's own name (made by hand): use it as it is.
  if (await client.collections.exists(alias)) return alias;
  const name = versionedName(alias);
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
