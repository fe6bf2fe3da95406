import { randomUUID } from 'node:crypto';
import {
  callAsGateway,
  loadConfig,
  testSubgraphEnv,
  type GraphQLResult,
  type TestViewer,
} from '@aetherial/subgraph-kit';
import type {
  CommandFailedEvent,
  CommandStartedEvent,
  CommandSucceededEvent,
  ConnectionCheckedOutEvent,
} from 'mongodb';
import mongoose from 'mongoose';
import { contentConfigSchema, type ContentConfig } from '../src/config.js';
import type { ContentStore } from '../src/store.js';
import { createSubgraph, type ContentSubgraph } from '../src/subgraph.js';

/** Every test file works in this database only, never in the demo data (CONTENT_TEST_DB overrides). */
export const TEST_DB = process.env.CONTENT_TEST_DB ?? 'aetherial_content_test';

/** The configuration from the environment, with `env` over it (e.g. `CONTENT_BATCH_READS`). */
export function testConfig(env: Record<string, string> = {}): ContentConfig {
  return loadConfig(contentConfigSchema, {
    ...process.env,
    ...testSubgraphEnv(),
    ...env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
  });
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
export async function startTestSubgraph(env: Record<string, string> = {}): Promise<ContentSubgraph> {
  return createSubgraph(testConfig(env), { port: 0, relay: false, dbName: TEST_DB, monitorCommands: true });
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
  viewer?: TestViewer,
) => Promise<GraphQLResult<T>>;

export const gqlFor =
  (subgraph: ContentSubgraph): Gql =>
  (query, variables = {}, viewer = null) =>
    callAsGateway(subgraph, query, variables, viewer);

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

/** Commands that read or write data (not the driver's own hello/ping/endSessions chatter). */
const DATA_COMMANDS = new Set([
  'find',
  'aggregate',
  'count',
  'insert',
  'update',
  'delete',
  'findAndModify',
  'getMore',
  'distinct',
]);

export interface SentCommands<T> {
  result: T;
  /** Data commands in the order they were sent. */
  commands: string[];
  /**
   * The same commands grouped by how many of them had answered when each was ISSUED (names sorted
   * within a group): a group of N was issued all at once, before any of the N answered.
   */
  rounds: string[][];
}

/**
 * Counts at the driver boundary: every data command a store's connection sends. `during(run)`
 * records those of one run; `stop()` stops listening.
 *
 * A command is ISSUED when it asks the driver's pool for a connection and SENT when it has one. The
 * two differ for a burst larger than the connections the pool holds: the pool (at most 100, opened
 * two at a time) queues the rest until a connection is free, so a 'point' batch of 100 goes on the
 * wire in waves though all of it was issued at once. The pool serves checkouts first come first
 * served, so the k-th checkout requested is the k-th handed out, and a command runs on the
 * connection it was handed.
 */
export function watchCommands(store: ContentStore) {
  const client = store.connection.getClient();
  let answered = 0;
  /** Answers seen when each checkout still waiting for a connection was requested. */
  const waiting: number[] = [];
  const issuedOn = new Map<number | string, number>();
  const pending = new Set<number>();
  let sent: { name: string; answeredBefore: number | undefined }[] = [];
  const onCheckOutStarted = () => waiting.push(answered);
  const onCheckedOut = (event: ConnectionCheckedOutEvent) =>
    issuedOn.set(event.connectionId, waiting.shift()!);
  const onCheckOutFailed = () => waiting.shift();
  const onStarted = (event: CommandStartedEvent) => {
    if (!DATA_COMMANDS.has(event.commandName)) return;
    pending.add(event.requestId);
    const answeredBefore = event.connectionId === undefined ? undefined : issuedOn.get(event.connectionId);
    sent.push({ name: event.commandName, answeredBefore });
  };
  const onAnswered = (event: CommandSucceededEvent | CommandFailedEvent) => {
    if (pending.delete(event.requestId)) answered += 1;
  };
  const listeners = [
    ['connectionCheckOutStarted', onCheckOutStarted],
    ['connectionCheckedOut', onCheckedOut],
    ['connectionCheckOutFailed', onCheckOutFailed],
    ['commandStarted', onStarted],
    ['commandSucceeded', onAnswered],
    ['commandFailed', onAnswered],
  ] as const;
  for (const [name, listener] of listeners) client.on(name, listener);
  return {
    async during<T>(run: () => Promise<T>): Promise<SentCommands<T>> {
      sent = [];
      const result = await run();
      const groups = new Map<number, string[]>();
      for (const { name, answeredBefore } of sent) {
        if (answeredBefore === undefined) throw new Error(`${name} was sent without a checkout seen`);
        groups.set(answeredBefore, [...(groups.get(answeredBefore) ?? []), name]);
      }
      return {
        result,
        commands: sent.map((command) => command.name),
        rounds: [...groups.values()].map((names) => names.sort()),
      };
    },
    stop: () => {
      for (const [name, listener] of listeners) client.off(name, listener);
    },
  };
}
