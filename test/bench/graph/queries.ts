/**
 * The graph suite's workload: three pages a frontend renders, each one GraphQL query to the gateway
 * across several subgraphs, with the variables of many different requests (users, viewers, search
 * terms) so the run does not measure one hot key.
 */

/** A user's profile: core (user), content (posts), social (counts, followers, friends of friends). */
export const PROFILE_PAGE = /* GraphQL */ `
  query ProfilePage($id: ID!) {
    user(id: $id) {
      id
      handle
      displayName
      createdAt
      postCount
      followerCount
      followingCount
      posts(first: 10) {
        edges {
          node {
            id
            title
            tags
            createdAt
            likeCount
            commentCount
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
      followers(first: 5) {
        totalCount
        edges {
          followedAt
          node {
            id
            handle
            displayName
          }
        }
      }
      recommendedFollows(limit: 5) {
        mutualFollows
        user {
          id
          handle
          displayName
          followerCount
        }
      }
    }
  }
`;

/**
 * The profile page with analytics beside it: the user's posts with their stats (views, likes,
 * comments) and the day's trending posts; core, content and analytics (InfluxDB). Without
 * `trendingPosts.score`: it decays with every second, so no two answers would be the same (the
 * ranking does not change while nothing happens).
 */
export const PROFILE_ANALYTICS_PAGE = /* GraphQL */ `
  query ProfileAnalyticsPage($id: ID!) {
    user(id: $id) {
      id
      handle
      displayName
      posts(first: 10) {
        edges {
          node {
            id
            title
            createdAt
            stats {
              views
              likes
              comments
            }
          }
        }
      }
    }
    trendingPosts(window: DAY, first: 10) {
      post {
        id
        title
      }
    }
  }
`;

/**
 * The signed-in viewer's feed: social (feed, likes), content (posts, comments), core (authors).
 * Without `me` and `viewerHasLiked`: both are hinted `maxAge: 0`, so a page holding either is never
 * cached (a frontend asks for them in a request of their own).
 */
export const FEED_PAGE = /* GraphQL */ `
  query FeedPage {
    feed(first: 10) {
      edges {
        cursor
        node {
          id
          title
          body
          tags
          createdAt
          author {
            id
            handle
            displayName
          }
          likeCount
          commentCount
          comments(first: 3) {
            edges {
              node {
                id
                body
                createdAt
                author {
                  id
                  handle
                  displayName
                }
              }
            }
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

/**
 * A search results page: search (hits over posts, products and users, facets), the hits' owners for
 * their fields (content, core, social), and semantic (posts close in meaning) beside them.
 */
export const SEARCH_PAGE = /* GraphQL */ `
  query SearchPage($query: String!, $text: String!) {
    search(query: $query, first: 10) {
      totalCount
      facets {
        types {
          value
          count
        }
        tags {
          value
          count
        }
        priceRanges {
          minCents
          maxCents
          count
        }
      }
      edges {
        cursor
        node {
          score
          highlights {
            field
            snippets
          }
          item {
            __typename
            ... on Post {
              id
              title
              tags
              author {
                id
                handle
              }
              likeCount
            }
            ... on Product {
              id
              title
              priceCents
              currency
              stock
            }
            ... on User {
              id
              handle
              displayName
              followerCount
            }
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
    semanticSearch(text: $text, first: 5) {
      score
      post {
        id
        title
        author {
          id
          handle
        }
      }
    }
  }
`;

/**
 * What people type into the search box (some with typos, which search tolerates) and the sentence
 * the page also sends to semantic search, about the seeded topics, products and people.
 */
export const SEARCH_TERMS: readonly { query: string; text: string }[] = [
  { query: 'sourdough bread', text: 'baking loaves at home' },
  { query: 'sourdogh starter', text: 'keeping a fermented starter alive' },
  { query: 'cast iron pans', text: 'looking after heavy skillets' },
  { query: 'knife skills', text: 'cutting vegetables safely and quickly' },
  { query: 'winter hiking', text: 'walking in the mountains when it snows' },
  { query: 'ultralight backpacking', text: 'carrying less weight on long walks' },
  { query: 'bouldering technique', text: 'getting better at short climbing problems' },
  { query: 'gravel riding', text: 'cycling on dirt roads' },
  { query: 'bike maintenance', text: 'fixing my bicycle chain and brakes' },
  { query: 'marathon training', text: 'preparing to run forty-two kilometres' },
  { query: 'runing shoes', text: 'choosing footwear for jogging' },
  { query: 'growing tomatoes', text: 'vegetables in the garden in summer' },
  { query: 'composting', text: 'turning kitchen scraps into soil' },
  { query: 'repotting indoor plants', text: 'moving a houseplant into a bigger pot' },
  { query: 'street photography', text: 'taking pictures of strangers in the city' },
  { query: 'golden hour light', text: 'photos at sunset' },
  { query: 'database indexes', text: 'making slow SQL queries faster' },
  { query: 'connection pooling', text: 'reusing database connections' },
  { query: 'oak lamp', text: 'furniture and lighting for the living room' },
  { query: 'steel kettle', text: 'boiling water for tea' },
  { query: 'linen backpack', text: 'a bag to carry things' },
  { query: 'Grace Hopper', text: 'the history of programming languages' },
  { query: 'Ada Lovelace', text: 'the first computer program' },
  { query: 'Alan Turing', text: 'machines that think' },
];

export type PageName = 'profile' | 'profile-analytics' | 'feed' | 'search';

export interface Page {
  name: PageName;
  label: string;
  query: string;
  /** Stores behind the page, for the report. */
  subgraphs: string;
}

export const PAGES: readonly Page[] = [
  {
    name: 'profile',
    label: 'profile page',
    query: PROFILE_PAGE,
    subgraphs: 'core, content, social',
  },
  {
    name: 'profile-analytics',
    label: 'profile page with analytics',
    query: PROFILE_ANALYTICS_PAGE,
    subgraphs: 'core, content, analytics',
  },
  {
    name: 'feed',
    label: 'feed page',
    query: FEED_PAGE,
    subgraphs: 'social, content, core (signed in)',
  },
  {
    name: 'search',
    label: 'search page',
    query: SEARCH_PAGE,
    subgraphs: 'search, semantic, content, core, social',
  },
];

/** Request body of a page query with its variables. */
export function requestBody(page: Page, variables: Record<string, unknown> = {}): string {
  return JSON.stringify({ query: page.query, variables });
}

interface Edges {
  edges: unknown[];
}

/**
 * Whether an answer shows what the page is for (beyond "data without errors"): a profile with posts,
 * a feed with posts, search hits. Used when choosing the variants, not on every response.
 */
export function meaningful(page: PageName, data: Record<string, unknown>): boolean {
  switch (page) {
    case 'profile':
    case 'profile-analytics':
      return ((data.user as { posts?: Edges } | null)?.posts?.edges.length ?? 0) > 0;
    case 'feed':
      return ((data.feed as Edges | null)?.edges.length ?? 0) > 0;
    case 'search':
      return ((data.search as Edges | null)?.edges.length ?? 0) > 0;
  }
}
