import { subgraphConfig } from '@aetherial/subgraph-kit';
import { z } from 'zod';

/** CONTENT_HOST, CONTENT_PORT (4002), CONTENT_ALLOW_UNSIGNED and the kit's settings, plus: */
export const contentConfigSchema = subgraphConfig('content', 4002, {
  /** The database is the URL's path (`/aetherial`); FerretDB here, any MongoDB in production. */
  MONGODB_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\/\S+$/, 'must be a mongodb:// or mongodb+srv:// URL')
    .default('mongodb://127.0.0.1:27017/aetherial'),
  /**
   * How DataLoader batches read: 'in' (one `$in` query a batch, for MongoDB), 'point' (one equality
   * query a key, sent in parallel, for FerretDB, which cannot push an `$in` down), or 'auto' (asks
   * the server at connect time).
   */
  CONTENT_BATCH_READS: z.enum(['in', 'point', 'auto']).default('auto'),
  /** Redis stream the outbox relay publishes domain events to. */
  EVENTS_STREAM: z.string().min(1).default('aetherial:events'),
});

export type ContentConfig = z.infer<typeof contentConfigSchema>;
