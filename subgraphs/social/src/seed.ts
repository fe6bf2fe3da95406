import { Graph, int, type Driver } from './neo4j.js';

export interface SeedPost {
  id: string;
  authorId: string;
  /** ISO-8601 or a Date. */
  createdAt: string | Date;
  status?: string;
  version?: number;
}

export interface SeedSocialOptions {
  driver: Driver;
  database?: string;
  userIds: readonly string[];
  posts: readonly SeedPost[];
  /** How many follows to create (fewer if the users cannot have that many distinct ones). */
  follows: number;
  /** How many likes to create (same cap). */
  likes: number;
  /** Uniform in [0, 1); the same sequence gives the same graph. */
  random: () => number;
  batchSize?: number;
}

export interface SeedSummary {
  users: number;
  posts: number;
  follows: number;
  likes: number;
}

interface Follow {
  from: string;
  to: string;
  at: string;
}

interface Like {
  userId: string;
  postId: string;
  at: string;
}

const DAY_MS = 86_400_000;
const SEED_EPOCH_MS = Date.UTC(2024, 0, 1);
/** Share of follows that stay inside the follower's community. */
const IN_COMMUNITY_SHARE = 0.7;
const USERS_PER_COMMUNITY = 40;

/** Picks indexes with probability proportional to their weights (cumulative sums + binary search). */
class WeightedPicker {
  private readonly cumulative: number[] = [];

  constructor(
    readonly items: readonly number[],
    weightOf: (item: number) => number,
  ) {
    let total = 0;
    for (const item of items) this.cumulative.push((total += weightOf(item)));
  }

  pick(random: () => number): number | undefined {
    const total = this.cumulative.at(-1);
    if (total === undefined) return undefined;
    const target = random() * total;
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.cumulative[middle]! > target) high = middle;
      else low = middle + 1;
    }
    return this.items[low];
  }
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/**
 * Follows shaped like a social network: popularity is heavy-tailed (a few users are followed by
 * many), and users mostly follow inside their community, so friends-of-friends are meaningful.
 */
function planFollows(userIds: readonly string[], count: number, random: () => number): Follow[] {
  const users = userIds.length;
  const target = Math.min(count, users * (users - 1));
  const popularityRank = shuffled(
    userIds.map((_, index) => index),
    random,
  );
  const popularity = new Map(popularityRank.map((user, rank) => [user, 1 / (rank + 1) ** 0.9]));
  const communities = Math.max(1, Math.round(users / USERS_PER_COMMUNITY));
  const communityOf = userIds.map(() => Math.floor(random() * communities));
  const everyone = new WeightedPicker(
    userIds.map((_, index) => index),
    (user) => popularity.get(user)!,
  );
  const members = Array.from(
    { length: communities },
    (_, community) =>
      new WeightedPicker(
        userIds.map((_, index) => index).filter((user) => communityOf[user] === community),
        (user) => popularity.get(user)!,
      ),
  );
  const seen = new Set<string>();
  const follows: Follow[] = [];
  // Random picks repeat as the graph fills up; give up well after a fair number of tries.
  for (let attempts = 0; follows.length < target && attempts < target * 50; attempts += 1) {
    const from = Math.floor(random() * users);
    const picker = random() < IN_COMMUNITY_SHARE ? members[communityOf[from]!]! : everyone;
    const to = picker.pick(random);
    if (to === undefined || to === from) continue;
    const key = `${from}:${to}`;
    if (seen.has(key)) continue;
    seen.add(key);
    follows.push({
      from: userIds[from]!,
      to: userIds[to]!,
      at: new Date(SEED_EPOCH_MS + random() * 365 * DAY_MS).toISOString(),
    });
  }
  return follows;
}

/** Likes lean towards posts of popular authors (many followers) and come after the post. */
function planLikes(
  userIds: readonly string[],
  posts: readonly SeedPost[],
  follows: readonly Follow[],
  count: number,
  random: () => number,
): Like[] {
  const target = Math.min(count, userIds.length * posts.length);
  const followers = new Map<string, number>();
  for (const follow of follows) followers.set(follow.to, (followers.get(follow.to) ?? 0) + 1);
  const postPicker = new WeightedPicker(
    posts.map((_, index) => index),
    (post) => 1 + (followers.get(posts[post]!.authorId) ?? 0),
  );
  const seen = new Set<string>();
  const likes: Like[] = [];
  for (let attempts = 0; likes.length < target && attempts < target * 50; attempts += 1) {
    const post = posts[postPicker.pick(random)!]!;
    const userId = userIds[Math.floor(random() * userIds.length)]!;
    const key = `${userId}:${post.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const createdAt = new Date(post.createdAt).getTime();
    likes.push({ userId, postId: post.id, at: new Date(createdAt + random() * 30 * DAY_MS).toISOString() });
  }
  return likes;
}

function* batches<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

/**
 * Seeds users, posts (with authorship), follows and likes in UNWIND batches. Deterministic for a
 * given `random`; MERGE makes a second run with the same input change nothing.
 */
export async function seedSocial(options: SeedSocialOptions): Promise<SeedSummary> {
  const { posts, random, batchSize = 1000 } = options;
  const userIds = [...new Set(options.userIds)]; // a repeated id would otherwise allow a self-follow
  const graph = new Graph(options.driver, options.database);
  const follows = userIds.length > 1 ? planFollows(userIds, options.follows, random) : [];
  const likes =
    userIds.length > 0 && posts.length > 0 ? planLikes(userIds, posts, follows, options.likes, random) : [];

  for (const ids of batches(userIds, batchSize)) {
    await graph.write('UNWIND $ids AS id MERGE (:User {id: id})', { ids });
  }
  const postRows = posts.map((post) => ({
    id: post.id,
    authorId: post.authorId,
    createdAt: new Date(post.createdAt).toISOString(),
    status: post.status ?? 'PUBLISHED',
    version: int(post.version ?? 1),
  }));
  for (const rows of batches(postRows, batchSize)) {
    await graph.write(
      `UNWIND $rows AS row
       MERGE (post:Post {id: row.id})
       WITH post, row WHERE post.version IS NULL OR post.version < row.version
       SET post.authorId = row.authorId, post.createdAt = row.createdAt, post.status = row.status,
           post.version = row.version, post.deleted = false
       MERGE (author:User {id: row.authorId})
       MERGE (author)-[:AUTHORED]->(post)`,
      { rows },
    );
  }
  for (const rows of batches(follows, batchSize)) {
    await graph.write(
      `UNWIND $rows AS row
       MATCH (follower:User {id: row.from}), (followee:User {id: row.to})
       MERGE (follower)-[follow:FOLLOWS]->(followee) ON CREATE SET follow.at = row.at`,
      { rows },
    );
  }
  for (const rows of batches(likes, batchSize)) {
    await graph.write(
      `UNWIND $rows AS row
       MATCH (user:User {id: row.userId}), (post:Post {id: row.postId})
       MERGE (user)-[like:LIKED]->(post) ON CREATE SET like.at = row.at`,
      { rows },
    );
  }
  return { users: userIds.length, posts: posts.length, follows: follows.length, likes: likes.length };
}
