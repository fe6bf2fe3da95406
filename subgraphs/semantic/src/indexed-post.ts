import { z } from 'zod';

/** What the read model keeps of a post: enough to search, filter and guard versions. */
export interface IndexedPost {
  postId: string;
  title: string;
  body: string;
  tags: string[];
  authorId: string;
  status: 'DRAFT' | 'PUBLISHED';
  createdAt: Date;
  version: number;
}

/** Caps the text sent to the embedder: its cost grows with length, its meaning sits in the start. */
const MAX_EMBEDDED_CHARS = 4000;

/** The text whose meaning the vector stands for. */
export function embeddingText(post: Pick<IndexedPost, 'title' | 'body'>): string {
  return `${post.title}\n${post.body}`.slice(0, MAX_EMBEDDED_CHARS);
}

const postState = z.object({
  title: z.string(),
  body: z.string().default(''),
  tags: z.array(z.string()).default([]),
  authorId: z.string().min(1),
  status: z.enum(['DRAFT', 'PUBLISHED']),
  createdAt: z.coerce.date(),
});

/** A post's state as the content subgraph publishes it in PostCreated / PostUpdated payloads. */
export function postFromEvent(postId: string, version: number, payload: unknown): IndexedPost {
  const parsed = postState.safeParse(payload);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new Error(`Post ${postId} v${version}: unreadable payload (${problems})`);
  }
  return { postId, version, ...parsed.data };
}
