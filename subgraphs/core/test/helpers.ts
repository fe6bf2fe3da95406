export { seededRandom } from '@aetherial/subgraph-kit';
import { callAsGateway, type GraphQLResult } from '@aetherial/subgraph-kit';
import { loadCoreConfig, type CoreConfig } from '../src/config.js';
import { ensureDatabase } from '../src/migrate.js';
import { truncateCore } from '../src/seed.js';
import type { CoreDb } from '../src/store.js';
import { createSubgraph, type RunningCoreSubgraph } from '../src/subgraph.js';

/** Tests use their own database next to the demo one, created on first use. */
export const TEST_DATABASE = 'aetherial_core_test';
export const ADMIN_DATABASE_URL =
  process.env.CORE_DATABASE_URL ?? 'postgresql://aetherial:aetherial@127.0.0.1:5432/aetherial';

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export const TEST_DATABASE_URL = databaseUrl(TEST_DATABASE);

export function testConfig(overrides: Record<string, string> = {}): CoreConfig {
  return loadCoreConfig({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    CORE_PORT: '0',
    CORE_DATABASE_URL: TEST_DATABASE_URL,
    CORE_OUTBOX_RELAY: 'false',
    ...overrides,
  });
}

export interface TestSubgraph {
  running: RunningCoreSubgraph;
  db: CoreDb;
  config: CoreConfig;
  call: <T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    viewerId?: string | null,
  ) => Promise<GraphQLResult<T>>;
  stop: () => Promise<void>;
}

/** The subgraph in-process on port 0 against a freshly emptied test database (migrated at start). */
export async function startTestSubgraph(overrides: Record<string, string> = {}): Promise<TestSubgraph> {
  await ensureDatabase(ADMIN_DATABASE_URL, TEST_DATABASE);
  const config = testConfig(overrides);
  const running = await createSubgraph(config);
  await truncateCore(running.db);
  return {
    running,
    db: running.db,
    config,
    call: (query, variables = {}, viewerId = null) => callAsGateway(running.url, query, variables, viewerId),
    stop: running.stop,
  };
}

/**
 * Counts SQL statements the Prisma client sends, from Prisma's own query events (the driver
 * boundary), not from counters in the code under test.
 */
export function queryCounter(db: CoreDb) {
  const statements: string[] = [];
  let recording = false;
  db.$on('query', (event) => {
    if (recording) statements.push(event.query);
  });
  return {
    async during<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
      statements.length = 0;
      recording = true;
      try {
        const result = await work();
        return { result, statements: [...statements] };
      } finally {
        recording = false;
      }
    },
  };
}

export const SIGN_UP = /* GraphQL */ `
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      token
      user {
        id
        handle
        displayName
        email
        createdAt
      }
    }
  }
`;

interface SignUpData {
  signUp: {
    token: string;
    user: { id: string; handle: string; displayName: string; email: string | null; createdAt: string };
  };
}

let handleCounter = 0;

/** Signs up a fresh user through the API and returns it. */
export async function signUpUser(
  subgraph: TestSubgraph,
  prefix = 'user',
): Promise<SignUpData['signUp']['user'] & { token: string }> {
  handleCounter += 1;
  const handle = `${prefix}_${handleCounter}_${Math.floor(Math.random() * 1e6)}`.slice(0, 30);
  const result = await subgraph.call<SignUpData>(SIGN_UP, {
    input: {
      handle,
      displayName: `Test ${handle}`,
      email: `${handle}@example.test`,
      password: 'correct horse battery',
    },
  });
  if (!result.data?.signUp) throw new Error(`signUp failed: ${JSON.stringify(result.errors)}`);
  return { ...result.data.signUp.user, token: result.data.signUp.token };
}

export const CREATE_PRODUCT = /* GraphQL */ `
  mutation CreateProduct($input: CreateProductInput!) {
    createProduct(input: $input) {
      id
      sku
      title
      description
      priceCents
      currency
      stock
      createdAt
      updatedAt
    }
  }
`;

export interface ProductData {
  id: string;
  sku: string;
  title: string;
  description: string;
  priceCents: number;
  currency: string;
  stock: number;
}

let skuCounter = 0;

export async function createProduct(
  subgraph: TestSubgraph,
  viewerId: string,
  input: Partial<{
    sku: string;
    title: string;
    description: string;
    priceCents: number;
    currency: string;
    stock: number;
  }> = {},
): Promise<ProductData> {
  skuCounter += 1;
  const result = await subgraph.call<{ createProduct: ProductData }>(
    CREATE_PRODUCT,
    {
      input: {
        sku: `TEST-${skuCounter}-${Math.floor(Math.random() * 1e6)}`,
        title: 'Test product',
        priceCents: 1000,
        stock: 10,
        ...input,
      },
    },
    viewerId,
  );
  if (!result.data?.createProduct) throw new Error(`createProduct failed: ${JSON.stringify(result.errors)}`);
  return result.data.createProduct;
}

/** The first error's code and field, for compact assertions. */
export const firstError = (result: GraphQLResult<unknown>) => ({
  code: result.errors?.[0]?.extensions?.code,
  field: result.errors?.[0]?.extensions?.field,
  message: result.errors?.[0]?.message,
});
