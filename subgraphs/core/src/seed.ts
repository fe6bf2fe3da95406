import { hashPassword } from './auth.js';
import { loadCoreConfig } from './config.js';
import { orderPlaced, productCreated, userCreated, type OutboxInsert } from './events.js';
import { migrate } from './migrate.js';
import {
  createDb,
  type CoreDb,
  type OrderItemRow,
  type OrderRow,
  type ProductRow,
  type UserRow,
} from './store.js';

/**
 * Demo data for the core, written through the bulk path (createMany in chunks) together with one
 * outbox event per entity, so the other stores fill up from the events like they do in production.
 * The same `random` sequence gives the same data (ids, handles, prices, orders); pass `now` to make
 * the timestamps fixed too.
 */
export interface SeedCoreOptions {
  users: number;
  products: number;
  orders: number;
  /** Uniform in [0, 1), e.g. a seeded PRNG. */
  random: () => number;
  /** An open client; without one, `databaseUrl` (or CORE_DATABASE_URL) is migrated and used. */
  db?: CoreDb;
  databaseUrl?: string;
  /** Timestamps are spread over the year before this instant. */
  now?: Date;
  chunkSize?: number;
}

export interface SeedCoreResult {
  userIds: string[];
  productIds: string[];
  orderIds: string[];
}

export const DEMO_PASSWORD = 'demo-password';

const FIRST_NAMES = [
  'Ada',
  'Alan',
  'Grace',
  'Linus',
  'Margaret',
  'Ken',
  'Barbara',
  'Dennis',
  'Frances',
  'Edsger',
  'Radia',
  'Niklaus',
  'Hedy',
  'Tim',
  'Katherine',
  'John',
  'Sophie',
  'Donald',
  'Anita',
  'Guido',
];
const LAST_NAMES = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Thompson',
  'Liskov',
  'Ritchie',
  'Allen',
  'Dijkstra',
  'Perlman',
  'Wirth',
  'Lamarr',
  'Berners-Lee',
  'Johnson',
  'McCarthy',
  'Wilson',
  'Knuth',
  'Borg',
  'van Rossum',
];
const ADJECTIVES = [
  'Compact',
  'Rugged',
  'Silent',
  'Vintage',
  'Smart',
  'Portable',
  'Ergonomic',
  'Handmade',
  'Wireless',
  'Solar',
];
const MATERIALS = [
  'Oak',
  'Steel',
  'Linen',
  'Ceramic',
  'Bamboo',
  'Carbon',
  'Wool',
  'Copper',
  'Glass',
  'Leather',
];
const NOUNS = [
  'Lamp',
  'Backpack',
  'Kettle',
  'Keyboard',
  'Notebook',
  'Chair',
  'Speaker',
  'Bottle',
  'Jacket',
  'Clock',
];
const USES = [
  'for the office',
  'for long trips',
  'for small kitchens',
  'for everyday carry',
  'for the workshop',
  'for gifts',
];

const DAY_MS = 24 * 60 * 60 * 1000;

function picker(random: () => number) {
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  /** A version-4 UUID made of the random sequence (deterministic, unlike crypto.randomUUID). */
  const uuid = () => {
    const bytes = Array.from({ length: 16 }, () => int(0, 255));
    bytes[6] = (bytes[6]! & 0x0f) | 0x40;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const hex = bytes.map((byte) => byte.toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
  return { int, pick, uuid };
}

const numbered = (prefix: string, index: number, total: number, minWidth: number) =>
  `${prefix}${String(index + 1).padStart(Math.max(minWidth, String(total).length), '0')}`;

async function inChunks<T>(
  rows: readonly T[],
  size: number,
  write: (chunk: T[]) => Promise<unknown>,
): Promise<void> {
  for (let start = 0; start < rows.length; start += size) await write(rows.slice(start, start + size));
}

interface PlannedOrder {
  order: OrderRow;
  items: OrderItemRow[];
}

function planOrders(
  count: number,
  users: UserRow[],
  products: ProductRow[],
  now: Date,
  rng: ReturnType<typeof picker>,
): PlannedOrder[] {
  if (count > 0 && (users.length === 0 || products.length === 0))
    throw new Error('seedCore: orders need users and products');
  const stock = new Map(products.map((product) => [product.id, product.stock]));
  const productById = new Map(products.map((product) => [product.id, product]));
  const planned: PlannedOrder[] = [];
  for (let attempt = 0; planned.length < count && attempt < count * 20; attempt += 1) {
    const buyer = rng.pick(users);
    const lines = new Map<string, number>();
    for (let line = rng.int(1, 3); line > 0; line -= 1) {
      const product = rng.pick(products);
      const quantity = rng.int(1, 3);
      if (!lines.has(product.id) && (stock.get(product.id) ?? 0) >= quantity) lines.set(product.id, quantity);
    }
    if (lines.size === 0) continue; // everything picked is sold out: try another buyer and basket
    const id = rng.uuid();
    const chosen = [...lines].sort(([a], [b]) => (a < b ? -1 : 1));
    const items = chosen.map(([productId, quantity]) => {
      stock.set(productId, stock.get(productId)! - quantity);
      const product = productById.get(productId)!;
      return { orderId: id, productId, quantity, unitPriceCents: product.priceCents };
    });
    // After the buyer and every product existed, before now.
    const earliest = Math.max(
      buyer.createdAt.getTime(),
      ...chosen.map(([productId]) => productById.get(productId)!.createdAt.getTime()),
    );
    const createdAt = new Date(earliest + Math.floor((rng.int(0, 1000) / 1000) * (now.getTime() - earliest)));
    const totalCents = items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
    planned.push({
      order: { id, buyerId: buyer.id, status: 'PLACED', totalCents, currency: 'EUR', createdAt, version: 1 },
      items,
    });
  }
  if (planned.length < count)
    throw new Error(`seedCore: stock ran out after ${planned.length} of ${count} orders`);
  // What is left after the orders is what the products start with: one ProductCreated describes it.
  for (const product of products) product.stock = stock.get(product.id)!;
  return planned;
}

export async function seedCore(options: SeedCoreOptions): Promise<SeedCoreResult> {
  const { users: userCount, products: productCount, orders: orderCount, random, chunkSize = 1000 } = options;
  const now = options.now ?? new Date();
  const ownsDb = options.db === undefined;
  let db = options.db;
  if (!db) {
    const databaseUrl = options.databaseUrl ?? loadCoreConfig().CORE_DATABASE_URL;
    await migrate({ databaseUrl });
    db = createDb({ databaseUrl });
  }
  try {
    const rng = picker(random);
    const passwordHash = await hashPassword(DEMO_PASSWORD); // one hash for every demo user: seeding stays fast
    const pastInstant = () => new Date(now.getTime() - rng.int(30 * DAY_MS, 365 * DAY_MS));

    const users: UserRow[] = Array.from({ length: userCount }, (_, index) => {
      const handle = numbered('user', index, userCount, 4);
      return {
        id: rng.uuid(),
        handle,
        displayName: `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`,
        email: `${handle}@example.com`,
        passwordHash,
        role: 'customer', // demo users share a published password: none of them is an admin
        createdAt: pastInstant(),
        version: 1,
      };
    });
    const products: ProductRow[] = Array.from({ length: productCount }, (_, index) => {
      const title = `${rng.pick(ADJECTIVES)} ${rng.pick(MATERIALS)} ${rng.pick(NOUNS)}`;
      const createdAt = pastInstant();
      return {
        id: rng.uuid(),
        sku: numbered('SKU-', index, productCount, 5),
        title,
        description: `${title} ${rng.pick(USES)}.`,
        priceCents: rng.int(199, 49_999),
        currency: 'EUR',
        stock: rng.int(0, 200),
        version: 1,
        createdAt,
        updatedAt: createdAt,
      };
    });
    const orders = planOrders(orderCount, users, products, now, rng);

    const events: OutboxInsert[] = [
      ...users.map((user) => userCreated(user, user.createdAt)),
      ...products.map((product) => productCreated(product, product.createdAt)),
      ...orders.map(({ order, items }) => orderPlaced(order, items, order.createdAt)),
    ];
    const client = db;
    await client.$transaction(
      async (tx) => {
        await inChunks(users, chunkSize, (data) => tx.user.createMany({ data }));
        await inChunks(products, chunkSize, (data) => tx.product.createMany({ data }));
        await inChunks(orders, chunkSize, (data) =>
          tx.order.createMany({ data: data.map(({ order }) => order) }),
        );
        await inChunks(
          orders.flatMap(({ items }) => items),
          chunkSize,
          (data) => tx.orderItem.createMany({ data }),
        );
        await inChunks(events, chunkSize, (data) => tx.outboxEvent.createMany({ data }));
      },
      { timeout: 10 * 60_000 },
    );
    return {
      userIds: users.map((user) => user.id),
      productIds: products.map((product) => product.id),
      orderIds: orders.map(({ order }) => order.id),
    };
  } finally {
    if (ownsDb) await db.$disconnect();
  }
}

/** Empties every core table (demo reset, tests). The migration history stays. */
export async function truncateCore(db: CoreDb): Promise<void> {
  await db.$executeRaw`TRUNCATE "OrderItem", "Order", "Product", "User", "OutboxEvent" RESTART IDENTITY CASCADE`;
}
