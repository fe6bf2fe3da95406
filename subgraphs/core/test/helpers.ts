export { seededRandom } from '@aetherial/subgraph-kit';
import {
  callAsGateway,
  testSecrets,
  testSubgraphEnv,
  type GraphQLResult,
  type TestViewer,
  type Viewer,
} from '@aetherial/subgraph-kit';
import { setRole } from '../src/admin.js';
import { loadCoreConfig, type CoreConfig } from '../src/config.js';
import { ensureDatabase } from '../src/migrate.js';
import { truncateCore } from '../src/seed.js';
import { SCOPES_BY_ROLE } from '../src/roles.js';
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
    ...testSubgraphEnv(),
    JWT_SECRET: testSecrets().JWT_SECRET,
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
    viewer?: TestViewer,
  ) => Promise<GraphQLResult<T>>;
  /** An admin of this test database (made once, by the admin command's setRole), as the gateway would sign it. */
  admin: () => Promise<Viewer>;
  stop: () => Promise<void>;
}

/** The subgraph in-process on port 0 against a freshly emptied test database (migrated at start). */
export async function startTestSubgraph(overrides: Record<string, string> = {}): Promise<TestSubgraph> {
  await ensureDatabase(ADMIN_DATABASE_URL, TEST_DATABASE);
  const config = testConfig(overrides);
  const running = await createSubgraph(config);
  await truncateCore(running.db);
  let admin: Viewer | undefined;
  const subgraph: TestSubgraph = {
    running,
    db: running.db,
    config,
    call: (query, variables = {}, viewer = null) => callAsGateway(running, query, variables, viewer),
    admin: async () => {
      // Made again when a test emptied the database since.
      const exists = admin && (await running.db.user.count({ where: { id: admin.userId!, role: 'admin' } }));
      if (!exists) admin = await promote(subgraph, await signUpUser(subgraph, 'admin'));
      return admin!;
    },
    stop: running.stop,
  };
  return subgraph;
}

/** Makes the user an admin (the admin command's setRole) and returns it as the gateway would sign it. */
export async function promote(subgraph: TestSubgraph, user: { handle: string; id: string }): Promise<Viewer> {
  await setRole(subgraph.db, user.handle, 'admin');
  return { userId: user.id, scopes: SCOPES_BY_ROLE.admin };
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

/** Creates a product as the test database's admin (catalogue writes need the admin role). */
export async function createProduct(
  subgraph: TestSubgraph,
  input: Partial<{
    sku: string;
    title: string;
    description: string;
    priceCents: number;
    currency: string;
    stock: number;
  }> = {},
  admin?: Viewer,
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
    admin ?? (await subgraph.admin()),
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
