/**
 * Freshness benchmark (not a test: nothing here asserts on timing).
 *
 *   npm run bench:freshness -- [--posts 30] [--burst 1000] [--timeout 30]
 *
 * Starts the whole graph in the e2e namespace (own databases, stream, index, collection; ports
 * 4100-4106), then measures for each read model (search = OpenSearch, semantic = Weaviate,
 * analytics = InfluxDB):
 *  - write-to-searchable latency: posts created one at a time through the gateway, each polled
 *    (every 25 ms, both search read models concurrently) until the gateway finds it; for analytics,
 *    a comment added to each post through the gateway, polled on the analytics subgraph itself
 *    (the gateway's response cache would hold a stale count for `stats`' maxAge) until
 *    `Post.stats.comments` counts it;
 *  - indexing throughput: a burst of PostCreated events published straight to the e2e stream,
 *    timed until each read model's consumer group has lag + pending 0.
 * Prints a markdown table and writes it to test/bench/results/freshness-<ISO time>.md.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, release } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { eventFields, type DomainEvent } from '@aetherial/events';
import { callAsGateway } from '@aetherial/subgraph-kit';
import { Redis } from 'ioredis';
import { gql } from '../../e2e/client.js';
import { resetNamespace, startGraph, type RunningGraph } from '../../graph/graph-under-test.js';
import { e2e, subgraphUrl } from '../../e2e/namespace.js';
import { waitForReadModels } from '../../graph/read-models.js';
import { groupBacklog } from './lag.js';
import { ms, summarise } from './stats.js';

const POLL_MS = 25;
const READ_MODELS = [
  { name: 'search', store: 'OpenSearch', group: 'search-indexer' },
  { name: 'semantic', store: 'Weaviate', group: e2e.groups.semantic },
  { name: 'analytics', store: 'InfluxDB', group: e2e.groups.analytics },
] as const;

const USAGE = `npm run bench:freshness -- [--posts <n>] [--burst <n>] [--timeout <s>]

  --posts <n>     posts created one at a time for the latency measurement (default 30)
  --burst <n>     PostCreated events published at once for the throughput measurement (default 1000)
  --timeout <s>   bounded wait per post and per burst; a post not found in time is a miss (default 30)`;

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      posts: { type: 'string' },
      burst: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const positiveInt = (name: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const number = Number(value);
    if (!Number.isInteger(number) || number <= 0)
      throw new Error(`--${name} must be a positive integer, got "${value}"`);
    return number;
  };
  return {
    posts: positiveInt('posts', values.posts, 30),
    burst: positiveInt('burst', values.burst, 1000),
    timeoutMs: positiveInt('timeout', values.timeout, 30) * 1000,
  };
}

const sleep = (milliseconds: number) => new Promise((done) => setTimeout(done, milliseconds));

function unwrap<T>(
  answer: { data: T | null | undefined; errors?: { message: string }[] | undefined },
  what: string,
): T {
  if (answer.errors?.length || !answer.data) {
    throw new Error(`${what} failed: ${JSON.stringify(answer.errors ?? answer.data).slice(0, 500)}`);
  }
  return answer.data;
}

// Small vocabulary so titles and bodies read like the seeded posts rather than random bytes.
const SUBJECTS = [
  'sourdough',
  'tomato seedlings',
  'a bike chain',
  'espresso',
  'a balcony garden',
  'winter tyres',
  'a cast iron pan',
  'houseplants',
  'a home network',
  'trail running shoes',
  'a kombucha batch',
  'a leaky tap',
];
const ACTIONS = ['Fixing', 'Choosing', 'Caring for', 'Getting started with', 'Troubleshooting', 'Cleaning'];
const BODIES = [
  'Start slow, write down what you changed, and change one thing at a time.',
  'Most problems come from too much water, too much heat or too little patience.',
  'A cheap tool used every week beats an expensive one that stays in the drawer.',
  'Read the manual once, then ignore half of it; the rest is practice.',
];
const pick = <T>(list: readonly T[], i: number): T => list[i % list.length]!;

async function signUp(): Promise<{ token: string; userId: string }> {
  const handle = `bench_${randomUUID().slice(0, 8)}`;
  const data = unwrap(
    await gql<{ signUp: { token: string; user: { id: string } } }>(
      `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token user { id handle } } }`,
      {
        input: {
          handle,
          displayName: 'Freshness Bench',
          email: `${handle}@example.com`,
          password: 'correct horse battery',
        },
      },
    ),
    'signUp',
  );
  return { token: data.signUp.token, userId: data.signUp.user.id };
}

async function foundBySearch(marker: string, postId: string): Promise<boolean> {
  const data = unwrap(
    await gql<{ search: { edges: { node: { item: { id?: string } | null } }[] } }>(
      `query Find($q: String!) { search(query: $q, first: 10) { edges { node { item { __typename ... on Post { id } } } } } }`,
      { q: marker },
    ),
    'search',
  );
  return data.search.edges.some((edge) => edge.node.item?.id === postId);
}

async function foundBySemantic(title: string, postId: string): Promise<boolean> {
  const data = unwrap(
    await gql<{ semanticSearch: { post: { id: string } }[] }>(
      `query Near($text: String!) { semanticSearch(text: $text, first: 10) { post { id } } }`,
      { text: title },
    ),
    'semanticSearch',
  );
  return data.semanticSearch.some((hit) => hit.post.id === postId);
}

/** What the analytics subgraph counts of a post's comments, asked as the gateway would. */
async function commentsCounted(postId: string): Promise<number> {
  const answer = await callAsGateway<{ _entities: { stats: { comments: number } }[] }>(
    subgraphUrl('analytics'),
    `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Post { stats { comments } } } }`,
    { reps: [{ __typename: 'Post', id: postId }] },
    null,
    e2e.gatewaySecret,
  );
  return unwrap({ data: answer.data, errors: answer.errors }, 'Post.stats')._entities[0]?.stats.comments ?? 0;
}

async function addComment(token: string, postId: string): Promise<number> {
  const answer = await gql<{ addComment: { id: string } }>(
    `mutation Comment($postId: ID!) { addComment(postId: $postId, body: "Counted") { id } }`,
    { postId },
    token,
  );
  unwrap(answer, 'addComment');
  return performance.now(); // the mutation's response has arrived
}

/** Polls every POLL_MS until `found` holds; the latency from t0 to the answer that had it, or null. */
async function timeUntil(
  t0: number,
  timeoutMs: number,
  found: () => Promise<boolean>,
): Promise<number | null> {
  const deadline = t0 + timeoutMs;
  for (;;) {
    if (await found()) return performance.now() - t0;
    if (performance.now() > deadline) return null;
    await sleep(POLL_MS);
  }
}

async function createPost(token: string, title: string, body: string): Promise<{ id: string; t0: number }> {
  const answer = await gql<{ createPost: { id: string } }>(
    `mutation Create($input: CreatePostInput!) { createPost(input: $input) { id } }`,
    { input: { title, body, tags: ['bench'] } },
    token,
  );
  const t0 = performance.now(); // the mutation's response has arrived
  return { id: unwrap(answer, 'createPost').createPost.id, t0 };
}

async function measureLatency(token: string, posts: number, timeoutMs: number) {
  const latencies = {
    search: [] as (number | null)[],
    semantic: [] as (number | null)[],
    analytics: [] as (number | null)[],
  };
  // One warm-up post, not counted: the first embedding loads the model in the semantic subgraph.
  for (let i = -1; i < posts; i += 1) {
    const marker = `fresh${randomBytes(5).toString('hex')}`;
    const title = `${pick(ACTIONS, i + 1)} ${pick(SUBJECTS, i + 1)}: notes ${marker}`;
    const { id, t0 } = await createPost(token, title, pick(BODIES, i + 1));
    const [search, semantic] = await Promise.all([
      timeUntil(t0, timeoutMs, () => foundBySearch(marker, id)),
      timeUntil(t0, timeoutMs, () => foundBySemantic(title, id)),
    ]);
    const commented = await addComment(token, id);
    const analytics = await timeUntil(commented, timeoutMs, async () => (await commentsCounted(id)) >= 1);
    if (i < 0) {
      console.log(
        `  warm-up post: search ${search === null ? 'miss' : ms(search)} ms, semantic ${semantic === null ? 'miss' : ms(semantic)} ms`,
      );
      continue;
    }
    latencies.search.push(search);
    latencies.semantic.push(semantic);
    latencies.analytics.push(analytics);
    if ((i + 1) % 10 === 0 || i + 1 === posts) console.log(`  ${i + 1}/${posts} posts`);
  }
  return latencies;
}

function burstEvents(count: number, authorId: string): DomainEvent[] {
  const start = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const at = new Date(start + i).toISOString();
    // ObjectId-like: 4 bytes of seconds + 8 random bytes = 24 hex digits.
    const id =
      Math.floor(start / 1000)
        .toString(16)
        .padStart(8, '0') + randomBytes(8).toString('hex');
    return {
      eventId: randomUUID(),
      type: 'PostCreated',
      entity: 'Post',
      entityId: id,
      version: 1,
      occurredAt: at,
      payload: {
        id,
        authorId,
        title: `${pick(ACTIONS, i)} ${pick(SUBJECTS, i * 7 + 3)} (burst ${i})`,
        body: `${pick(BODIES, i)} ${pick(BODIES, i + 1)}`,
        tags: ['bench', 'burst'],
        status: 'PUBLISHED',
        version: 1,
        createdAt: at,
        updatedAt: at,
      },
    };
  });
}

async function measureThroughput(authorId: string, count: number, timeoutMs: number) {
  const redis = new Redis(e2e.redisUrl);
  try {
    const events = burstEvents(count, authorId);
    const pipeline = redis.pipeline();
    for (const event of events) pipeline.xadd(e2e.eventsStream, '*', ...eventFields(event));
    const started = performance.now();
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
    const published = performance.now() - started;
    const done = new Map<string, number>();
    const deadline = started + timeoutMs;
    while (done.size < READ_MODELS.length && performance.now() < deadline) {
      const backlog = await groupBacklog(redis, e2e.eventsStream);
      const now = performance.now();
      for (const model of READ_MODELS)
        if (!done.has(model.group) && backlog.get(model.group) === 0) done.set(model.group, now - started);
      await sleep(POLL_MS);
    }
    return { published, done };
  } finally {
    redis.disconnect();
  }
}

async function main() {
  const opts = options();
  const startedAt = new Date();
  console.log(
    `freshness bench: ${opts.posts} posts, burst of ${opts.burst}, timeout ${opts.timeoutMs / 1000} s`,
  );
  console.log('resetting the e2e namespace and starting the graph (ports 4100-4106)...');
  await resetNamespace(e2e);
  let graph: RunningGraph | undefined;
  const stopGraph = () => graph?.stop();
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`${signal}: stopping the graph`);
    void Promise.resolve(stopGraph()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    graph = await startGraph(e2e);
    const { token, userId } = await signUp();
    await waitForReadModels(e2e, { timeoutMs: 60_000 });

    console.log('latency: creating posts one at a time through the gateway...');
    const latencies = await measureLatency(token, opts.posts, opts.timeoutMs);
    await waitForReadModels(e2e, { timeoutMs: 60_000 });

    console.log(`throughput: publishing ${opts.burst} PostCreated events to ${e2e.eventsStream}...`);
    const burst = await measureThroughput(userId, opts.burst, Math.max(opts.timeoutMs, 120_000));

    const rows = READ_MODELS.map((model) => {
      const summary = summarise(latencies[model.name]);
      const elapsed = burst.done.get(model.group);
      const throughput = elapsed === undefined ? 'timed out' : (opts.burst / (elapsed / 1000)).toFixed(0);
      return `| ${model.name} (${model.store}) | ${ms(summary.p50)} | ${ms(summary.p95)} | ${ms(summary.max)} | ${summary.misses} | ${throughput} |`;
    });
    const memory = `${(totalmem() / 2 ** 30).toFixed(1)} GiB`;
    const report = [
      `# Write-to-searchable freshness, ${startedAt.toISOString()}`,
      '',
      `Machine: ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ${memory} RAM, ${platform()} ${release()}, Node ${process.version}.`,
      `Whole graph in the e2e namespace (\`test/e2e\`), one gateway worker. Latency: ${opts.posts} posts created one at a time via \`createPost\`` +
        ` (plus one uncounted warm-up post), from the mutation's response to the first gateway answer that has the post` +
        ` (\`search(query: marker)\` / \`semanticSearch(text: title, first: 10)\`, polled every ${POLL_MS} ms, both at once;` +
        ' analytics: from the response of an `addComment` on the post to the first `Post.stats` of the analytics subgraph that counts it;' +
        ` a miss = not found within ${opts.timeoutMs / 1000} s). Throughput: ${opts.burst} PostCreated events XADDed in one pipeline` +
        ` (${burst.published.toFixed(0)} ms), until the group's lag + pending is 0.`,
      '',
      '| read model | p50 ms | p95 ms | max ms | misses | throughput docs/s |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
    ].join('\n');
    console.log(`\n${report}`);
    const outDir = resolve(import.meta.dirname, '..', 'results');
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `freshness-${startedAt.toISOString().replace(/[:.]/g, '-')}.md`);
    writeFileSync(file, report);
    console.log(`written to ${file}`);
  } finally {
    await stopGraph();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
