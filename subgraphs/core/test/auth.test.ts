import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGN_UP_CONFLICT } from '../src/services/users.js';
import { firstError, SIGN_UP, signUpUser, startTestSubgraph, type TestSubgraph } from './helpers.js';

let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startTestSubgraph();
});
afterAll(async () => {
  await subgraph?.stop();
});

const LOG_IN = /* GraphQL */ `
  mutation LogIn($input: LogInInput!) {
    logIn(input: $input) {
      token
      user {
        id
        handle
        email
      }
    }
  }
`;
const ME = /* GraphQL */ `
  {
    me {
      id
      handle
      displayName
      email
    }
  }
`;

const signUpInput = (overrides: Record<string, string> = {}) => ({
  handle: 'ada_lovelace',
  displayName: 'Ada Lovelace',
  email: 'Ada@Example.org',
  password: 'analytical-engine',
  ...overrides,
});

describe('signUp, logIn, me', () => {
  let adaId = '';

  it('signs up and returns a token for the new user', async () => {
    const result = await subgraph.call<{
      signUp: { token: string; user: { id: string; handle: string; email: string | null } };
    }>(SIGN_UP, { input: signUpInput() });
    expect(result.errors).toBeUndefined();
    const { token, user } = result.data!.signUp;
    adaId = user.id;
    expect(user.handle).toBe('ada_lovelace');
    // The request was anonymous, but the account is the caller's now: they see their (normalised) email.
    expect(user.email).toBe('ada@example.org');
    const { payload, protectedHeader } = await jwtVerify(
      token,
      new TextEncoder().encode(subgraph.config.JWT_SECRET),
      { issuer: 'aetherial-core', audience: 'aetherial-graph', requiredClaims: ['exp'] },
    );
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload.sub).toBe(user.id);
    // A new account is a customer, short-lived (JWT_TTL_SECONDS, one hour by default).
    expect(payload.scope).toBe('customer');
    expect(payload.exp! - payload.iat!).toBe(60 * 60);

    const stored = await subgraph.db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.email).toBe('ada@example.org');
    expect(stored.passwordHash).toMatch(/^\$argon2id\$/);
    expect(stored.passwordHash).not.toContain('analytical-engine');
    expect(stored.role).toBe('customer');
  });

  it('records exactly one UserCreated event without private fields', async () => {
    const events = await subgraph.db.outboxEvent.findMany({ where: { entityId: adaId } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'UserCreated', entity: 'User', version: 1, publishedAt: null });
    expect(events[0]!.payload).toEqual({
      id: adaId,
      handle: 'ada_lovelace',
      displayName: 'Ada Lovelace',
      createdAt: expect.any(String),
    });
  });

  it('logs in by handle or by email, case-insensitively', async () => {
    for (const login of ['ada_lovelace', 'ADA@example.ORG']) {
      const result = await subgraph.call<{
        logIn: { token: string; user: { id: string; email: string | null } };
      }>(LOG_IN, {
        input: { login, password: 'analytical-engine' },
      });
      expect(result.errors).toBeUndefined();
      expect(result.data!.logIn.user).toMatchObject({ id: adaId, email: 'ada@example.org' });
    }
  });

  it('refuses a wrong password or unknown login with the same error', async () => {
    const wrong = await subgraph.call(LOG_IN, {
      input: { login: 'ada_lovelace', password: 'difference-engine' },
    });
    const unknown = await subgraph.call(LOG_IN, {
      input: { login: 'nobody_here', password: 'difference-engine' },
    });
    expect(wrong.data).toBeNull();
    expect(firstError(wrong)).toEqual(firstError(unknown));
    expect(firstError(wrong).code).toBe('UNAUTHENTICATED');
  });

  it('answers me for the viewer, null when anonymous', async () => {
    const mine = await subgraph.call<{ me: { id: string; email: string | null } }>(ME, {}, adaId);
    expect(mine.data!.me).toMatchObject({ id: adaId, email: 'ada@example.org' });
    const anonymous = await subgraph.call<{ me: null }>(ME);
    expect(anonymous.errors).toBeUndefined();
    expect(anonymous.data!.me).toBeNull();
  });

  it('shows the email only to its owner', async () => {
    const other = await signUpUser(subgraph, 'other');
    const query = `query ($id: ID) { user(id: $id) { id email } }`;
    expect(
      (await subgraph.call<{ user: { email: string | null } }>(query, { id: adaId }, other.id)).data!.user
        .email,
    ).toBeNull();
    expect(
      (await subgraph.call<{ user: { email: string | null } }>(query, { id: adaId })).data!.user.email,
    ).toBeNull();
    expect(
      (await subgraph.call<{ user: { email: string | null } }>(query, { id: adaId }, adaId)).data!.user.email,
    ).toBe('ada@example.org');
  });
});

describe('signUp validation', () => {
  const cases: [string, string, Record<string, string>][] = [
    ['bad email', 'email', { handle: 'valid_one', email: 'not-an-email' }],
    ['email without a dot in the domain', 'email', { handle: 'valid_two', email: 'a@localhost' }],
    ['handle too short', 'handle', { handle: 'ab', email: 'x1@example.org' }],
    ['handle with a dash', 'handle', { handle: 'no-dashes', email: 'x2@example.org' }],
    ['handle too long', 'handle', { handle: 'a'.repeat(31), email: 'x3@example.org' }],
    ['short password', 'password', { handle: 'valid_three', email: 'x4@example.org', password: 'short' }],
    [
      'empty display name',
      'displayName',
      { handle: 'valid_four', email: 'x5@example.org', displayName: '   ' },
    ],
  ];

  it.each(cases)('%s -> BAD_USER_INPUT on %s', async (_name, field, overrides) => {
    const before = await subgraph.db.outboxEvent.count();
    const result = await subgraph.call(SIGN_UP, { input: signUpInput(overrides) });
    expect(result.data).toBeNull();
    expect(firstError(result)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await subgraph.db.outboxEvent.count()).toBe(before);
  });

  // A taken handle and a taken email get the same answer: sign-up does not confirm which address exists.
  const taken: [string, Record<string, string>][] = [
    ['taken handle', { handle: 'ada_lovelace', email: 'someone@example.org' }],
    ['taken handle in another case', { handle: 'Ada_Lovelace', email: 'someone@example.org' }],
    ['taken email', { handle: 'ada_two', email: 'ADA@example.org' }],
    ['both taken', { handle: 'ada_lovelace', email: 'ada@example.org' }],
  ];

  it.each(taken)(
    '%s -> one CONFLICT answer naming neither field, nothing written',
    async (_name, overrides) => {
      const [users, events] = [await subgraph.db.user.count(), await subgraph.db.outboxEvent.count()];
      const result = await subgraph.call(SIGN_UP, { input: signUpInput(overrides) });
      expect(result.data).toBeNull();
      expect(firstError(result)).toEqual({ code: 'CONFLICT', field: undefined, message: SIGN_UP_CONFLICT });
      expect(result.errors?.[0]?.extensions).toEqual({ code: 'CONFLICT' });
      expect(await subgraph.db.user.count()).toBe(users);
      expect(await subgraph.db.outboxEvent.count()).toBe(events);
    },
  );

  it('two concurrent sign-ups with one handle: exactly one succeeds, the other gets the same CONFLICT', async () => {
    const input = (n: number) => signUpInput({ handle: 'race_handle', email: `race${n}@example.org` });
    const results = await Promise.all([
      subgraph.call(SIGN_UP, { input: input(1) }),
      subgraph.call(SIGN_UP, { input: input(2) }),
    ]);
    expect(results.filter((result) => result.errors === undefined)).toHaveLength(1);
    const failed = results.find((result) => result.errors !== undefined)!;
    expect(firstError(failed)).toMatchObject({ code: 'CONFLICT', message: SIGN_UP_CONFLICT });
    expect(await subgraph.db.user.count({ where: { handle: 'race_handle' } })).toBe(1);
    expect(
      await subgraph.db.outboxEvent.count({
        where: { payload: { path: ['handle'], equals: 'race_handle' } },
      }),
    ).toBe(1);
  });
});

describe('user queries', () => {
  it('finds a user by handle and by id', async () => {
    const user = await signUpUser(subgraph, 'findme');
    const byHandle = await subgraph.call<{ user: { id: string } }>(
      `query ($h: String) { user(handle: $h) { id } }`,
      { h: user.handle },
    );
    expect(byHandle.data!.user.id).toBe(user.id);
    const byId = await subgraph.call<{ user: { handle: string } }>(
      `query ($id: ID) { user(id: $id) { handle } }`,
      { id: user.id },
    );
    expect(byId.data!.user.handle).toBe(user.handle);
  });

  it('needs exactly one of id and handle', async () => {
    const both = await subgraph.call(`{ user(id: "x", handle: "y") { id } }`);
    const neither = await subgraph.call(`{ user { id } }`);
    expect(firstError(both)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    expect(firstError(neither)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it('answers null with NOT_FOUND for a missing user, also for ids that are not UUIDs', async () => {
    for (const query of [
      `{ user(id: "00000000-0000-4000-8000-000000000000") { id } }`,
      `{ user(id: "not-a-uuid") { id } }`,
      `{ user(handle: "no_such_handle") { id } }`,
    ]) {
      const result = await subgraph.call<{ user: null }>(query);
      expect(result.data).toEqual({ user: null });
      expect(firstError(result).code).toBe('NOT_FOUND');
    }
  });

  it('pages through users in handle order', async () => {
    const total = await subgraph.db.user.count();
    const handles: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: {
        data?: {
          users: {
            edges: { node: { handle: string } }[];
            pageInfo: { hasNextPage: boolean; endCursor: string | null };
          };
        } | null;
      } = await subgraph.call(
        `query ($after: String) { users(first: 2, after: $after) { edges { node { handle } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      handles.push(...page.data!.users.edges.map((edge) => edge.node.handle));
      after = page.data!.users.pageInfo.hasNextPage ? page.data!.users.pageInfo.endCursor : null;
      pages += 1;
    } while (after !== null);
    expect(handles).toHaveLength(total);
    expect(handles).toEqual([...handles].sort());
    expect(pages).toBe(Math.ceil(total / 2));
  });

  it('rejects a cursor of another list and a bad page size', async () => {
    const products = await subgraph.call<{ products: { pageInfo: { endCursor: string | null } } }>(
      `{ products(first: 1) { pageInfo { endCursor } } }`,
    );
    const foreignCursor =
      products.data!.products.pageInfo.endCursor ??
      Buffer.from(JSON.stringify({ k: 'products', p: [] })).toString('base64url');
    expect(
      firstError(
        await subgraph.call(`query ($a: String) { users(after: $a) { edges { cursor } } }`, {
          a: foreignCursor,
        }),
      ),
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'after',
    });
    expect(firstError(await subgraph.call(`{ users(first: 0) { edges { cursor } } }`))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
  });
});
