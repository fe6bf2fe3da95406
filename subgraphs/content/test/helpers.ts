import { randomUUID } from 'node:crypto';
import { callAsGateway, loadConfig, type GraphQLResult } from '@aetherial/subgraph-kit';
import mongoose from 'mongoose';
import { contentConfigSchema, type ContentConfig } from '../src/config.js';
import { createSubgraph, type ContentSubgraph } from '../src/subgraph.js';

/** Every test file works in this database only, never in the demo data (CONTENT_TEST_DB overrides). */
export const TEST_DB = process.env.CONTENT_TEST_DB ?? 'aetherial_content_test';

export function testConfig(): ContentConfig {
  return loadConfig(contentConfigSchema, { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent' });
}

/** Drops the test database (indexes are rebuilt by the next connectStore). */
export async function dropTestDatabase(): Promise<void> {
  const connection = await mongoose
    .createConnection(testConfig().MONGODB_URL, { dbName: TEST_DB })
    .asPromise();
  try {
    await connection.dropDatabase();
  } finally {
    await connection.close();
  }
}

/** The subgraph on a free port over the test database, relay off (tests drive relays themselves). */
export async function startTestSubgraph(): Promise<ContentSubgraph> {
  return createSubgraph(testConfig(), { port: 0, relay: false, dbName: TEST_DB, monitorCommands: true });
}

export async function clearCollections(subgraph: ContentSubgraph): Promise<void> {
  await subgraph.store.posts.deleteMany({});
  await subgraph.store.comments.deleteMany({});
  await subgraph.store.outboxEvents.deleteMany({});
  await subgraph.store.outboxBatches.deleteMany({});
}

/** A core-style user id. */
export const newUserId = (): string => randomUUID();

export type Gql = <T = Record<string, unknown>>(
  query: string,
  variables?: Record<string, unknown>,
  viewerId?: string | null,
) => Promise<GraphQLResult<T>>;

export const gqlFor =
  (subgraph: ContentSubgraph): Gql =>
  (query, variables = {}, viewerId = null) =>
    callAsGateway(subgraph.url, query, variables, viewerId);

/** The data of a response that must have succeeded (fails the test with the errors otherwise). */
export function dataOf<T>(result: GraphQLResult<T>): T {
  if (result.errors?.length) throw new Error(`unexpected GraphQL errors: ${JSON.stringify(result.errors)}`);
  if (!result.data) throw new Error('no data in response');
  return result.data;
}

export function errorOf(result: GraphQLResult<unknown>): { code?: string; field?: string; message: string } {
  const error = result.errors?.[0];
  if (!error) throw new Error(`expected an error, got ${JSON.stringify(result.data)}`);
  return { code: error.extensions?.code, field: error.extensions?.field, message: error.message };
}

export const CREATE_POST = /* GraphQL */ `
  mutation Create($input: CreatePostInput!) {
    createPost(input: $input) {
      id
      title
      body
      tags
      status
      createdAt
      updatedAt
      commentCount
      author {
        id
      }
    }
  }
`;

export interface PostView {
  id: string;
  title: string;
  body: string;
  tags: string[];
  status: 'DRAFT' | 'PUBLISHED';
  createdAt: string;
  updatedAt: string;
  commentCount: number;
  author: { id: string };
}

export async function createPostAs(
  gql: Gql,
  viewerId: string,
  input: { title: string; body?: string; tags?: string[]; status?: 'DRAFT' | 'PUBLISHED' },
): Promise<PostView> {
  const result = await gql<{ createPost: PostView }>(
    CREATE_POST,
    { input: { body: '', ...input } },
    viewerId,
  );
  return dataOf(result).createPost;
}
