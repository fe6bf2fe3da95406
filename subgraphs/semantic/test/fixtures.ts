import type { PostInput } from './helpers.js';

/** A small published corpus for the GraphQL tests (ids are fixed ObjectId-shaped strings). */
export const fixturePosts: (PostInput & { id: string })[] = [
  {
    id: '650000000000000000000001',
    title: 'How I fixed my sourdough starter that stopped rising',
    body: 'After two weeks my starter went flat. Feeding it twice a day with rye flour brought it back.',
    tags: ['baking', 'bread'],
    authorId: 'author-anna',
    createdAt: '2024-01-10T08:00:00.000Z',
  },
  {
    id: '650000000000000000000002',
    title: 'Baking crusty baguettes at home',
    body: 'A very hot oven, a tray of water for steam and a long cold proof give a crisp shell.',
    tags: ['baking', 'bread'],
    authorId: 'author-ben',
    createdAt: '2024-02-10T08:00:00.000Z',
  },
  {
    id: '650000000000000000000003',
    title: 'Kubernetes pod keeps getting OOMKilled',
    body: 'The container went over its memory limit. Raising the limit and fixing a cache that grew forever solved it.',
    tags: ['devops'],
    authorId: 'author-anna',
    createdAt: '2024-03-10T08:00:00.000Z',
  },
  {
    id: '650000000000000000000004',
    title: 'Training for my first marathon',
    body: 'Sixteen weeks of gradually longer Sunday runs, an easy pace on most days and a taper at the end.',
    tags: ['running'],
    authorId: 'author-ben',
    createdAt: '2024-04-10T08:00:00.000Z',
  },
  {
    id: '650000000000000000000005',
    title: 'Preventing shin splints as a new runner',
    body: 'Increase weekly mileage slowly, strengthen your calves and replace worn-out shoes.',
    tags: ['running', 'health'],
    authorId: 'author-carl',
    createdAt: '2024-05-10T08:00:00.000Z',
  },
  {
    id: '650000000000000000000006',
    title: 'Why my car battery keeps dying overnight',
    body: 'A parasitic drain from a glovebox light that never switched off was emptying the battery.',
    tags: ['cars'],
    authorId: 'author-carl',
    createdAt: '2024-06-10T08:00:00.000Z',
  },
  {
    id: '650000000000000000000007',
    title: 'Paying off credit card debt with the avalanche method',
    body: 'Pay the minimum on every card and put every spare dollar towards the highest interest rate.',
    tags: ['finance'],
    authorId: 'author-anna',
    createdAt: '2024-07-10T08:00:00.000Z',
  },
  {
    id: '650000000000000000000008',
    title: 'Keeping basil alive on a windowsill',
    body: 'Pinch off the flower buds, water from below and give it at least six hours of direct sun.',
    tags: ['gardening'],
    authorId: 'author-ben',
    createdAt: '2024-08-10T08:00:00.000Z',
  },
];

export const SOURDOUGH = fixturePosts[0]!.id;
export const BAGUETTES = fixturePosts[1]!.id;
export const KUBERNETES = fixturePosts[2]!.id;
export const MARATHON = fixturePosts[3]!.id;
export const SHIN_SPLINTS = fixturePosts[4]!.id;
