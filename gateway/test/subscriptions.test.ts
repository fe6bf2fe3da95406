import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TOKEN_ISSUER } from '../src/auth.js';
import { startGateway, type RunningGateway } from '../src/server.js';
import { startEventGraph, type EventGraph } from './fixtures/event-graph.js';
import { startTestRedis, type TestRedis } from './fixtures/redis-server.js';
import { jwtSecret, post, testConfig, tokenFor, writeSupergraph } from './helpers.js';
import { closeOf, sseClient, subscribe, wsClient, wsUrl } from './subscription-clients.js';

let redis: TestRedis;
let graph: EventGraph;
let gateway: RunningGateway;
let supergraphPath: string;
const stream = `gateway-subscriptions-test-${process.pid}`;
const alice = 'user-alice';
const bob = 'user-bob';
let aliceToken: string;
let bobToken: string;
const clients: { dispose: () => unknown }[] = [];

const gatewayConfig = (overrides: Record<string, string> = {}) =>
  testConfig({
    REDIS_URL: redis.url,
    SUPERGRAPH_PATH: supergraphPath,
    GATEWAY_SUBSCRIPTION_KEEPALIVE_MS: '0',
    ...overrides,
  });

beforeAll(async () => {
  process.env.EVENTS_STREAM = stream;
  redis = await startTestRedis();
  graph = await startEventGraph({ redisUrl: redis.url, stream });
  supergraphPath = writeSupergraph(graph.supergraphSdl);
  gateway = await startGateway(gatewayConfig({ GATEWAY_SUBSCRIPTIONS_PER_CONNECTION: '3' }));
  aliceToken = await tokenFor(alice);
  bobToken = await tokenFor(bob);
});

afterAll(async () => {
  for (const client of clients) await client.dispose();
  await gateway?.stop();
  await graph?.stop();
  await redis?.stop();
});

beforeEach(() => {
  graph.postLookupDelayMs.value = 0;
});

function ws(token?: string, url = gateway.url) {
  const client = wsClient(url, token);
  clients.push(client);
  return client;
}
function sse(token?: string, url = gateway.url) {
  const client = sseClient(url, token);
  clients.push(client);
  return client;
}

async function mutate<T = Record<string, unknown>>(
  token: string,
  query: string,
  variables: Record<string, unknown>,
) {
  const answer = await post(gateway.url, { query, variables }, { authorization: `Bearer ${token}` });
  expect(answer.body.errors).toBeUndefined();
  return answer.body.data as T;
}
const createPost = (token: string, title: string, extra: { tags?: string[]; status?: string } = {}) =>
  mutate<{ createPost: { id: string } }>(
    token,
    `mutation($title: String!, $tags: [String!], $status: PostStatus) { createPost(title: $title, tags: $tags, status: $status) { id } }`,
    { title, tags: extra.tags ?? [], status: extra.status ?? 'PUBLISHED' },
  ).then((data) => data.createPost.id);
const addComment = (token: string, postId: string, body: string) =>
  mutate(
    token,
    `mutation($postId: ID!, $body: String!) { addComment(postId: $postId, body: $body) { id } }`,
    {
      postId,
      body,
    },
  );

/**
 * A subscription is registered when `subscribe` returns on the server, a moment after the client
 * sent it: a marker post, delivered once it is live, tells the test it can go on.
 */
async function live(subscription: ReturnType<typeof subscribe>, marker: () => Promise<unknown>) {
  for (;;) {
    await marker();
    try {
      return await subscription.next(500);
    } catch {
      // not registered yet: send another marker
    }
  }
}

const POST_ADDED = `subscription { postAdded { title status author { id handle followerCount } likeCount } }`;

describe('subscriptions over graphql-ws', () => {
  it('delivers postAdded with fields of every subgraph after a createPost mutation', async () => {
    const added = subscribe(ws(bobToken), POST_ADDED);
    await live(added, () => createPost(aliceToken, 'marker'));
    await createPost(aliceToken, 'Federated and live');
    let payload = await added.next();
    while ((payload.data?.postAdded as { title: string }).title.includes('marker'))
      payload = await added.next();
    expect(payload).toEqual({
      data: {
        postAdded: {
          title: 'Federated and live',
          status: 'PUBLISHED',
          author: { id: alice, handle: `handle-${alice}`, followerCount: alice.length },
          likeCount: 0,
        },
      },
    });
  });

  it('resolves each payload with the subscriber’s own viewer', async () => {
    const query = `subscription($id: ID!) { postUpdated(id: $id) { title author { isViewer } } }`;
    const postId = await createPost(aliceToken, 'Whose view');
    const asAlice = subscribe(ws(aliceToken), query, { id: postId });
    const asBob = subscribe(ws(bobToken), query, { id: postId });
    const update = (title: string) =>
      mutate(
        aliceToken,
        `mutation($id: ID!, $title: String!) { updatePost(id: $id, title: $title) { id } }`,
        {
          id: postId,
          title,
        },
      );
    await live(asAlice, () => update('warm-up'));
    await live(asBob, () => update('warm-up'));
    await update('Seen by both');
    const drain = async (subscription: typeof asAlice) => {
      for (;;) {
        const payload = await subscription.next();
        const value = payload.data?.postUpdated as { title: string; author: { isViewer: boolean } };
        if (value.title === 'Seen by both') return value;
      }
    };
    expect(await drain(asAlice)).toEqual({ title: 'Seen by both', author: { isViewer: true } });
    expect(await drain(asBob)).toEqual({ title: 'Seen by both', author: { isViewer: false } });
  });

  it('delivers only the posts matching the filter, never drafts', async () => {
    const byAuthor = subscribe(
      ws(bobToken),
      `subscription($a: ID!) { postAdded(filter: { authorId: $a }) { title } }`,
      { a: alice },
    );
    const byTag = subscribe(
      ws(bobToken),
      `subscription { postAdded(filter: { tags: ["GraphQL", "rust"] }) { title } }`,
    );
    await live(byAuthor, () => createPost(aliceToken, 'alice marker'));
    await live(byTag, () => createPost(bobToken, 'tag marker', { tags: ['rust'] }));
    await createPost(aliceToken, 'alice draft', { status: 'DRAFT', tags: ['graphql'] });
    await createPost(bobToken, 'bob untagged');
    await createPost(bobToken, 'bob on graphql', { tags: ['graphql', 'apollo'] });
    await createPost(aliceToken, 'alice published');
    const titles = async (subscription: typeof byTag, until: string) => {
      const seen: string[] = [];
      while (!seen.includes(until))
        seen.push(((await subscription.next()).data?.postAdded as { title: string }).title);
      return seen.filter((title) => !title.includes('marker'));
    };
    // Each subscription receives its events in stream order: a wrong one would come first.
    expect(await titles(byAuthor, 'alice published')).toEqual(['alice published']);
    expect(await titles(byTag, 'bob on graphql')).toEqual(['bob on graphql']);
  });

  it('sends notifications only to their recipient', async () => {
    const alicePost = await createPost(aliceToken, 'Alice writes');
    const bobPost = await createPost(bobToken, 'Bob writes');
    const query = `subscription { notifications { kind actor { id } post { title } comment { body } } }`;
    const toAlice = subscribe(ws(aliceToken), query);
    const toBob = subscribe(ws(bobToken), query);
    await live(toAlice, () => addComment(bobToken, alicePost, 'marker for alice'));
    await live(toBob, () => addComment(aliceToken, bobPost, 'marker for bob'));

    await addComment(bobToken, alicePost, 'Nice post, Alice');
    await addComment(aliceToken, alicePost, 'Thanks (my own post: no notification)');
    await addComment(aliceToken, bobPost, 'Nice post too, Bob');

    const next = async (subscription: typeof toAlice) => {
      for (;;) {
        const value = (await subscription.next()).data?.notifications as { comment: { body: string } };
        if (!value.comment.body.startsWith('marker')) return value;
      }
    };
    expect(await next(toAlice)).toEqual({
      kind: 'COMMENTED',
      actor: { id: bob },
      post: { title: 'Alice writes' },
      comment: { body: 'Nice post, Alice' },
    });
    // Alice's notification was in the stream before this one: it would have come first.
    expect(await next(toBob)).toEqual({
      kind: 'COMMENTED',
      actor: { id: alice },
      post: { title: 'Bob writes' },
      comment: { body: 'Nice post too, Bob' },
    });
  });

  it('notifies of likes and follows, and delivers likeCountChanged to the post’s watchers', async () => {
    const alicePost = await createPost(aliceToken, 'Like me');
    const like = (token: string) =>
      mutate(token, `mutation($id: ID!) { likePost(postId: $id) { id } }`, { id: alicePost });
    const follow = (token: string, userId: string) =>
      mutate(token, `mutation($id: ID!) { follow(userId: $id) { id } }`, { id: userId });
    const toAlice = subscribe(
      ws(aliceToken),
      `subscription { notifications { kind actor { id } post { title likeCount } comment { body } } }`,
    );
    const likeCounts = subscribe(
      sse(),
      `subscription($id: ID!) { likeCountChanged(postId: $id) { title likeCount } }`,
      { id: alicePost },
    );
    // The same viewer and lookups, another selection: its payloads have their own shape.
    const shorter = subscribe(
      ws(aliceToken),
      `subscription { notifications { kind actor { id } post { title likeCount } } }`,
    );
    await live(toAlice, () => follow(bobToken, alice));
    await live(shorter, () => follow(bobToken, alice));
    await live(likeCounts, () => like(aliceToken)); // her own like: no notification
    await like(bobToken);
    await follow(aliceToken, bob); // Bob's news, not Alice's
    await follow(await tokenFor('user-carol'), alice);
    const news: { kind: string; actor: { id: string } }[] = [];
    while (news.length < 2) {
      const value = (await toAlice.next()).data?.notifications as { kind: string; actor: { id: string } };
      if (value.kind === 'FOLLOWED' && value.actor.id === bob) continue; // the markers
      news.push(value);
    }
    expect(news).toEqual([
      { kind: 'LIKED', actor: { id: bob }, post: { title: 'Like me', likeCount: 2 }, comment: null },
      { kind: 'FOLLOWED', actor: { id: 'user-carol' }, post: null, comment: null },
    ]);
    let short = { kind: 'FOLLOWED', actor: { id: bob } };
    while (short.kind === 'FOLLOWED' && short.actor.id === bob)
      short = (await shorter.next()).data?.notifications as typeof short;
    expect(short).toEqual({ kind: 'LIKED', actor: { id: bob }, post: { title: 'Like me', likeCount: 2 } });
    let count = 0;
    while (count < 2)
      count = ((await likeCounts.next()).data?.likeCountChanged as { likeCount: number }).likeCount;
    expect(count).toBe(2);
  });

  it('refuses notifications without a viewer, and a connection with a bad or forged token', async () => {
    const anonymous = subscribe(ws(), `subscription { notifications { kind } }`);
    expect(await anonymous.ended).toEqual([
      expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } }),
    ]);
    expect(await closeOf(gateway.url, { authorization: 'Bearer not-a-token' })).toEqual({
      code: 4401,
      reason: 'invalid token',
    });
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(alice)
      .setIssuer(TOKEN_ISSUER)
      .setAudience('aetherial-graph')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('some-other-secret-0123456789'));
    expect(await closeOf(gateway.url, { authorization: `Bearer ${forged}` })).toMatchObject({ code: 4401 });
    expect(await closeOf(gateway.url, { authorization: 42 })).toMatchObject({ code: 4401 });
  });

  it('closes the connection with 4401 when the token expires', async () => {
    const shortLived = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(alice)
      .setIssuer(TOKEN_ISSUER)
      .setAudience('aetherial-graph')
      .setExpirationTime(Math.floor(Date.now() / 1000) + 2)
      .sign(new TextEncoder().encode(jwtSecret));
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      const socket = new WebSocket(wsUrl(gateway.url), 'graphql-transport-ws');
      socket.once('open', () =>
        socket.send(
          JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${shortLived}` } }),
        ),
      );
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    expect(await closed).toEqual({ code: 4401, reason: 'token expired: sign in again' });
  });

  it('caps the active subscriptions of one connection', async () => {
    const client = ws(bobToken);
    const query = `subscription { postAdded { title } }`;
    const first = [subscribe(client, query), subscribe(client, query), subscribe(client, query)];
    await live(first[0]!, () => createPost(aliceToken, 'cap marker'));
    const fourth = subscribe(client, query);
    expect(await fourth.ended).toEqual([
      expect.objectContaining({ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } }),
    ]);
    first[0]!.unsubscribe();
    const again = subscribe(client, query);
    await live(again, () => createPost(aliceToken, 'cap marker'));
  });

  it('applies the query limits to subscription operations', async () => {
    const twoRoots = subscribe(
      ws(bobToken),
      `subscription { postAdded { title } again: postAdded { title } }`,
    );
    expect(await twoRoots.ended).toEqual([
      expect.objectContaining({ message: expect.stringContaining('must select only one top level field') }),
    ]);
    const aliased = `subscription { postAdded { ${Array.from({ length: 31 }, (_, i) => `a${i}: title`).join(' ')} } }`;
    expect(await subscribe(ws(bobToken), aliased).ended).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'TOO_MANY_ALIASES' }) }),
    ]);
    const unknown = subscribe(ws(bobToken), `subscription { postAdded { nope } }`);
    expect(await unknown.ended).toEqual([
      expect.objectContaining({ message: expect.stringContaining('nope') }),
    ]);
  });

  it('refuses a subscription touching a field the viewer may not read, as over HTTP', async () => {
    const query = `subscription { postAdded(filter: { tags: ["private"] }) { title author { email } } }`;
    const anonymous = subscribe(ws(), query);
    expect(await anonymous.ended).toEqual([
      { message: 'User.email needs a signed-in viewer', extensions: { code: 'UNAUTHORIZED' } },
    ]);
    const signedIn = subscribe(ws(bobToken), query);
    await live(signedIn, () => createPost(aliceToken, 'private marker', { tags: ['private'] }));
    await createPost(aliceToken, 'for signed-in eyes', { tags: ['private'] });
    let value = { title: '', author: { email: '' } };
    while (value.title !== 'for signed-in eyes')
      value = (await signedIn.next()).data?.postAdded as typeof value;
    expect(value.author.email).toBe(`${alice}@example.com`);
  });

  it('does not lose the events that arrive while the previous one is being resolved', async () => {
    const added = subscribe(
      ws(bobToken),
      `subscription { postAdded(filter: { tags: ["burst"] }) { title } }`,
    );
    await live(added, () => createPost(aliceToken, 'burst marker', { tags: ['burst'] }));
    graph.postLookupDelayMs.value = 300;
    const lookupsBefore = graph.postLookups.count;
    for (let i = 1; i <= 4; i += 1) await createPost(aliceToken, `burst ${i}`, { tags: ['burst'] });
    const titles: string[] = [];
    while (titles.length < 4) {
      const title = ((await added.next()).data?.postAdded as { title: string }).title;
      if (title !== 'burst marker') titles.push(title);
    }
    expect(titles).toEqual(['burst 1', 'burst 2', 'burst 3', 'burst 4']);
    // The later events arrived while the first lookup was held: they waited, one lookup each.
    expect(graph.postLookups.count - lookupsBefore).toBeGreaterThanOrEqual(4);
  });

  it('serves queries and mutations over the same socket, as HTTP does', async () => {
    const client = ws(aliceToken);
    const created = subscribe(client, `mutation { createPost(title: "over ws") { title author { id } } }`);
    // extensions.cost too, as over HTTP
    expect((await created.next()).data).toEqual({ createPost: { title: 'over ws', author: { id: alice } } });
    expect(await created.ended).toBeUndefined();
  });

  it('gives a subscriber that reconnects the new events', async () => {
    const first = ws(bobToken);
    const query = `subscription { postAdded(filter: { tags: ["again"] }) { title } }`;
    const before = subscribe(first, query);
    await live(before, () => createPost(aliceToken, 'again marker', { tags: ['again'] }));
    await first.dispose();
    const after = subscribe(ws(bobToken), query);
    await live(after, () => createPost(aliceToken, 'again marker', { tags: ['again'] }));
    await createPost(aliceToken, 'after reconnecting', { tags: ['again'] });
    let title = '';
    while (title !== 'after reconnecting')
      title = ((await after.next()).data?.postAdded as { title: string }).title;
  });
});

describe('subscriptions over SSE (distinct connections)', () => {
  it('delivers postAdded with fields of every subgraph', async () => {
    const added = subscribe(sse(bobToken), POST_ADDED);
    await live(added, () => createPost(aliceToken, 'marker'));
    await createPost(aliceToken, 'Over SSE');
    let payload = await added.next();
    while ((payload.data?.postAdded as { title: string }).title.includes('marker'))
      payload = await added.next();
    expect(payload.data).toEqual({
      postAdded: {
        title: 'Over SSE',
        status: 'PUBLISHED',
        author: { id: alice, handle: `handle-${alice}`, followerCount: alice.length },
        likeCount: 0,
      },
    });
  });

  it('answers 401 to an unauthenticated notifications subscription and to a bad token', async () => {
    const request = (authorization?: string) =>
      fetch(gateway.url, {
        method: 'POST',
        headers: {
          accept: 'text/event-stream',
          'content-type': 'application/json',
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({ query: 'subscription { notifications { kind } }' }),
      });
    const anonymous = await request();
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    const forged = await request('Bearer forged.token.here');
    expect(forged.status).toBe(401);
    const oversized = await fetch(gateway.url, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json' },
      body: JSON.stringify({ query: `subscription { postAdded { title } } # ${'x'.repeat(300 * 1024)}` }),
    });
    expect(oversized.status).toBe(413);
  });

  it('ends the stream with an UNAUTHENTICATED error when the token expires', async () => {
    const shortLived = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(bob)
      .setIssuer(TOKEN_ISSUER)
      .setAudience('aetherial-graph')
      .setExpirationTime(Math.floor(Date.now() / 1000) + 2)
      .sign(new TextEncoder().encode(jwtSecret));
    const stream = subscribe(sse(shortLived), `subscription { notifications { kind } }`);
    expect(await stream.next()).toEqual({
      data: null,
      errors: [{ message: 'token expired: sign in again', extensions: { code: 'UNAUTHENTICATED' } }],
    });
    expect(await stream.ended).toBeUndefined();
  });

  it('streams notifications to their owner only', async () => {
    const alicePost = await createPost(aliceToken, 'Alice over SSE');
    const toAlice = subscribe(sse(aliceToken), `subscription { notifications { comment { body } } }`);
    const toBob = subscribe(sse(bobToken), `subscription { notifications { comment { body } } }`);
    const bobPost = await createPost(bobToken, 'Bob over SSE');
    await live(toAlice, () => addComment(bobToken, alicePost, 'marker'));
    await live(toBob, () => addComment(aliceToken, bobPost, 'marker'));
    await addComment(bobToken, alicePost, 'for alice');
    await addComment(aliceToken, bobPost, 'for bob');
    const next = async (subscription: typeof toAlice) => {
      for (;;) {
        const body = ((await subscription.next()).data?.notifications as { comment: { body: string } })
          .comment.body;
        if (!body.startsWith('marker')) return body;
      }
    };
    expect(await next(toAlice)).toBe('for alice');
    expect(await next(toBob)).toBe('for bob');
  });
});

describe('slow consumers and shutdown', () => {
  it('disconnects a subscriber whose events pile up, with a reason', async () => {
    const small = await startGateway(gatewayConfig({ GATEWAY_SUBSCRIPTION_QUEUE: '2' }));
    try {
      const client = ws(bobToken, small.url);
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        client.on('closed', (event) => {
          const { code, reason } = event as { code: number; reason: string };
          resolve({ code, reason });
        }),
      );
      const added = subscribe(client, `subscription { postAdded(filter: { tags: ["pile"] }) { title } }`);
      await live(added, () => createPost(aliceToken, 'pile marker', { tags: ['pile'] }));
      graph.postLookupDelayMs.value = 1000;
      for (let i = 0; i < 6; i += 1) await createPost(aliceToken, `pile ${i}`, { tags: ['pile'] });
      expect(await closed).toEqual({
        code: 1008,
        reason: 'slow consumer: more than 2 events were waiting for delivery; subscribe again',
      });
    } finally {
      await small.stop();
    }
  });

  it('completes every subscription when the gateway shuts down', async () => {
    const other = await startGateway(gatewayConfig());
    const overWs = subscribe(ws(bobToken, other.url), `subscription { postAdded { title } }`);
    const overSse = subscribe(sse(bobToken, other.url), `subscription { postAdded { title } }`);
    await live(overWs, () => createPost(aliceToken, 'shutdown marker'));
    await live(overSse, () => createPost(aliceToken, 'shutdown marker'));
    await other.stop();
    expect(await overWs.ended).toBeUndefined(); // complete, not an error
    expect(await overSse.ended).toBeUndefined();
    const metrics = await fetch(gateway.url.replace('/graphql', '/metrics')).then((response) =>
      response.text(),
    );
    expect(metrics).toContain('gateway_subscriptions_active');
  });
});
