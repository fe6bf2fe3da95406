import { Types } from 'mongoose';
import { COMMENT_TEMPLATES, CLOSINGS, OPENINGS, TITLE_PATTERNS, TOPICS, type Topic } from './topics.js';

export type Random = () => number;

export const pick = <T>(random: Random, items: readonly T[]): T =>
  items[Math.floor(random() * items.length) % items.length]!;

/** Up to `count` distinct items, in random order. */
export function sample<T>(random: Random, items: readonly T[], count: number): T[] {
  const pool = [...items];
  const chosen: T[] = [];
  while (chosen.length < count && pool.length > 0)
    chosen.push(pool.splice(Math.floor(random() * pool.length) % pool.length, 1)[0]!);
  return chosen;
}

/** An ObjectId whose timestamp is `at` and whose other bytes come from `random`: same inputs, same id. */
export function deterministicObjectId(random: Random, at: Date): Types.ObjectId {
  const bytes = Buffer.alloc(12);
  bytes.writeUInt32BE(Math.floor(at.getTime() / 1000) >>> 0, 0);
  for (let i = 4; i < 12; i += 1) bytes[i] = Math.floor(random() * 256) & 0xff;
  return new Types.ObjectId(bytes);
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export interface GeneratedText {
  topic: Topic;
  subject: string;
  title: string;
  body: string;
  tags: string[];
}

/** A post about one topic: a title from a pattern, and paragraphs of that topic's sentences. */
export function generatePostText(random: Random): GeneratedText {
  const topic = pick(random, TOPICS);
  const subject = pick(random, topic.subjects);
  const title = pick(random, TITLE_PATTERNS)
    .replace('{subject}', subject)
    .replace('{Subject}', capitalised(subject));
  const paragraphs: string[] = [pick(random, OPENINGS)];
  const sentences = sample(random, topic.sentences, 3 + Math.floor(random() * 4));
  for (let i = 0; i < sentences.length; i += 2) paragraphs.push(sentences.slice(i, i + 2).join(' '));
  paragraphs.push(pick(random, CLOSINGS));
  const tags = sample(random, topic.tags, 1 + Math.floor(random() * topic.tags.length));
  return { topic, subject, title, body: paragraphs.join('\n\n'), tags };
}

export function generateCommentText(random: Random, subject: string): string {
  return pick(random, COMMENT_TEMPLATES).replace('{subject}', subject);
}
