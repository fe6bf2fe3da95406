import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseClient, subscribe, wsClient, type Received } from '../../gateway/test/subscription-clients.js';
import { eventually, gql } from './client.js';
import { gatewayUrl } from './namespace.js';

/** Subscriptions through the real gateway, fed by the real subgraphs' outbox events. */
interface Account {
  token: string;
  id: string;
  handle: string;
}
let alice: Account;
let bob: Account;
const clients: { dispose: () => unknown }[] = [];
const run = randomUUID().slice(0, 6);

async function signUp(name: string): Promise<Account> {
  const handle = `${name}_${run}`;
  const answer = await gql<{ signUp: { token: string; user: { id: string } } }>(
    `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token user { id } } }`,
    {
      input: { handle, displayName: name, email: `${handle}@example.com`, password: 'correct horse battery' },
    },
  );
  expect(answer.errors).toBeUndefined();
  return { token: answer.data!.signUp.token, id: answer.data!.signUp.user.id, handle };
}

beforeAll(async () => {
  [alice, bob] = await Promise.all([signUp('alice'), signUp('bob')]);
});
afterAll(async () => {
  for (const client of clients) await client.dispose();
});

const ws = (token?: string) => {
  const client = wsClient(gatewayUrl, token);
  clients.push(client);
  return client;
};
const sse = (token?: string) => {
  const client = sseClient(gatewayUrl, token);
  clients.push(client);
  return client;
};

async function createPost(author: Account, title: string, tags: string[] = []): Promise<string> {
  const answer = await gql<{ createPost: { id: string } }>(
    `mutation Create($input: CreatePostInput!) { createPost(input: $input) { id } }`,
    { input: { title, body: `${title}: a post written by the subscription tests.`, tags } },
    author.token,
  );
  expect(answer.errors).toBeUndefined();
  return answer.data!.createPost.id;
}

async function addComment(author: Account, postId: string, body: string): Promise<void> {
  const answer = await gql(
    `mutation Comment($postId: ID!, $body: String!) { addComment(postId: $postId, body: $body) { id } }`,
    { postId, body },
    author.token,
  );
  expect(answer.errors).toBeUndefined();
}

/** Sends markers until one arrives: the subscription is registered on the gateway from then on. */
async function live(subscription: Received, marker: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    await marker();
    try {
      await subscription.next(2000);
      return;
    } catch {
      // not registered yet, or the relay had not published the marker: send another
    }
  }
  throw new Error('the subscription never received a marker');
}

/** The next payload that is not a marker. */
async function nextReal<T>(
  subscription: Received,
  read: (data: Record<string, unknown>) => T,
  isMarker: (value: T) => boolean,
) {
  for (;;) {
    const payload = await subscription.next(15_000);
    expect(payload.errors).toBeUndefined();
    const value = read(payload.data!);
    if (!isMarker(value)) return value;
  }
}

const POST_ADDED = `subscription Added($author: ID!) {
  postAdded(filter: { authorId: $author }) { title tags author { handle followerCount } likeCount }
}`;
interface AddedPost {
  title: string;
  tags: string[];
  author: { handle: string; followerCount: number };
  likeCount: number;
}
const added = (data: Record<string, unknown>) => data.postAdded as AddedPost;
const isMarker = (post: AddedPost) => post.title.startsWith('marker');

describe('subscriptions through the real gateway', () => {
  it('delivers postAdded over graphql-ws with content, core and social fields in one payload', async () => {
    const subscription = subscribe(ws(bob.token), POST_ADDED, { author: alice.id });
    await live(subscription, () => createPost(alice, `marker ws ${randomUUID()}`));
    await createPost(bob, 'Not by Alice: filtered out');
    await createPost(alice, 'Live from the outbox', ['realtime']);
    expect(await nextReal(subscription, added, isMarker)).toEqual({
      title: 'Live from the outbox',
      tags: ['realtime'],
      author: { handle: alice.handle, followerCount: 0 },
      likeCount: 0,
    });
  });

  it('delivers the same over SSE', async () => {
    const subscription = subscribe(sse(bob.token), POST_ADDED, { author: alice.id });
    await live(subscription, () => createPost(alice, `marker sse ${randomUUID()}`));
    await createPost(alice, 'Live over SSE', ['realtime']);
    expect(await nextReal(subscription, added, isMarker)).toEqual({
      title: 'Live over SSE',
      tags: ['realtime'],
      author: { handle: alice.handle, followerCount: 0 },
      likeCount: 0,
    });
  });

  it('sends a notification to the post’s author only, and comments to commentAdded subscribers', async () => {
    const alicePost = await createPost(alice, 'Alice asks for comments');
    const bobPost = await createPost(bob, 'Bob asks for comments');
    const query = `subscription { notifications { kind actor { handle } post { title } comment { body } } }`;
    const toAlice = subscribe(ws(alice.token), query);
    const toBob = subscribe(sse(bob.token), query);
    const comments = subscribe(
      ws(),
      `subscription($post: ID!) { commentAdded(postId: $post) { body author { handle } } }`,
      {
        post: alicePost,
      },
    );
    await live(toAlice, () => addComment(bob, alicePost, 'marker'));
    await live(toBob, () => addComment(alice, bobPost, 'marker'));
    await live(comments, () => addComment(bob, alicePost, 'marker'));

    await addComment(bob, alicePost, 'Bob was here');
    await addComment(alice, bobPost, 'Alice was here');
    const notification = (data: Record<string, unknown>) =>
      data.notifications as {
        kind: string;
        actor: { handle: string };
        post: { title: string };
        comment: { body: string };
      };
    const marker = (value: { comment: { body: string } }) => value.comment.body === 'marker';
    expect(await nextReal(toAlice, notification, marker)).toEqual({
      kind: 'COMMENTED',
      actor: { handle: bob.handle },
      post: { title: 'Alice asks for comments' },
      comment: { body: 'Bob was here' },
    });
    // Bob's subscription would have received Alice's notification first: it came earlier in the stream.
    expect(await nextReal(toBob, notification, marker)).toEqual({
      kind: 'COMMENTED',
      actor: { handle: alice.handle },
      post: { title: 'Bob asks for comments' },
      comment: { body: 'Alice was here' },
    });
    const comment = (data: Record<string, unknown>) =>
      data.commentAdded as { body: string; author: { handle: string } };
    expect(await nextReal(comments, comment, (value) => value.body === 'marker')).toEqual({
      body: 'Bob was here',
      author: { handle: bob.handle },
    });
  });

  it('delivers likeCountChanged and LIKED / FOLLOWED notifications from social’s outbox events', async () => {
    const postId = await createPost(alice, 'Like this one');
    const call = async (query: string, variables: Record<string, unknown>, who: Account) => {
      const answer = await gql(query, variables, who.token);
      expect(answer.errors).toBeUndefined();
    };
    const like = (who: Account) =>
      call(`mutation($p: ID!) { likePost(postId: $p) { viewerHasLiked } }`, { p: postId }, who);
    const unlike = (who: Account) =>
      call(`mutation($p: ID!) { unlikePost(postId: $p) { viewerHasLiked } }`, { p: postId }, who);
    const follow = (who: Account, userId: string) =>
      call(`mutation($u: ID!) { follow(userId: $u) { viewerFollows } }`, { u: userId }, who);
    const unfollow = (who: Account, userId: string) =>
      call(`mutation($u: ID!) { unfollow(userId: $u) { viewerFollows } }`, { u: userId }, who);

    // Social learns of the post from content's event: likes are refused (NOT_FOUND) until then.
    await eventually(
      () => gql(`mutation($p: ID!) { likePost(postId: $p) { viewerHasLiked } }`, { p: postId }, alice.token),
      (answer) => answer.errors === undefined,
    );
    await unlike(alice);
    const counts = subscribe(sse(), `subscription($p: ID!) { likeCountChanged(postId: $p) { likeCount } }`, {
      p: postId,
    });
    const toAlice = subscribe(
      ws(alice.token),
      `subscription { notifications { kind actor { handle } post { title } } }`,
    );
    // Markers: Alice liking her own post moves the count and notifies nobody.
    await live(counts, async () => {
      await like(alice);
      await unlike(alice);
    });
    await live(toAlice, async () => {
      await follow(bob, alice.id);
      await unfollow(bob, alice.id);
    });
    await like(alice);
    await like(bob);
    const notification = (data: Record<string, unknown>) =>
      data.notifications as { kind: string; actor: { handle: string }; post: { title: string } | null };
    expect(await nextReal(toAlice, notification, (value) => value.kind === 'FOLLOWED')).toEqual({
      kind: 'LIKED',
      actor: { handle: bob.handle },
      post: { title: 'Like this one' },
    });
    const count = (data: Record<string, unknown>) =>
      (data.likeCountChanged as { likeCount: number }).likeCount;
    // Alice's like and then Bob's: the count reaches 2 (the markers only went between 0 and 1).
    let latest = -1;
    while (latest !== 2) latest = count((await counts.next(15_000)).data!);
  });

  it('refuses notifications to an anonymous subscriber', async () => {
    const anonymous = subscribe(ws(), `subscription { notifications { kind } }`);
    expect(await anonymous.ended).toEqual([
      expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } }),
    ]);
  });
});
