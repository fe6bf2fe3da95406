import { parseArgs } from 'node:util';

/** How big a demo graph to generate; `--scale 10` multiplies every default. */
export interface SeedSize {
  users: number;
  posts: number;
  follows: number;
  likes: number;
  products: number;
  orders: number;
  seed: number;
  /** Comments on every post (default 1). */
  commentsPerPost?: number;
  /** Share of posts left as drafts (default: content's seed default, 0.1). */
  draftShare?: number;
}

type Count = 'users' | 'posts' | 'follows' | 'likes' | 'products' | 'orders' | 'seed';

export const defaultSeedSize: Pick<SeedSize, Count> = {
  users: 1_000,
  posts: 10_000,
  follows: 20_000,
  likes: 30_000,
  products: 500,
  orders: 2_000,
  seed: 42,
};

export function parseSeedSize(argv: string[]): SeedSize {
  const { values } = parseArgs({
    args: argv,
    options: {
      users: { type: 'string' },
      posts: { type: 'string' },
      follows: { type: 'string' },
      likes: { type: 'string' },
      products: { type: 'string' },
      orders: { type: 'string' },
      seed: { type: 'string' },
      scale: { type: 'string' },
    },
    strict: true,
  });
  const scale = values.scale === undefined ? 1 : Number(values.scale);
  if (!(scale > 0)) throw new Error(`--scale must be a positive number, got ${values.scale}`);
  const pick = (name: Count): number => {
    const given = values[name];
    const value =
      given === undefined ? Math.round(defaultSeedSize[name] * (name === 'seed' ? 1 : scale)) : Number(given);
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`--${name} must be a non-negative integer, got ${given}`);
    return value;
  };
  return {
    users: pick('users'),
    posts: pick('posts'),
    follows: pick('follows'),
    likes: pick('likes'),
    products: pick('products'),
    orders: pick('orders'),
    seed: pick('seed'),
  };
}
