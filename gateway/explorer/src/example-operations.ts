import type { GraphiQLProps } from 'graphiql';

type TabDefinition = NonNullable<GraphiQLProps['defaultTabs']>[number];

/**
 * The tabs a first visit opens with: the README's examples, so the page is useful before anyone
 * writes a query. GraphiQL keeps the user's own tabs in localStorage afterwards; these come back
 * with "Reset" in its settings. A test (test/e2e/explorer.test.ts) runs them against the graph.
 */

/** Headers of every tab: JSONC, so the note on tokens can sit in the editor itself. */
export const defaultHeaders = `{
  // Signed-in fields (User.email, feed, myOrders, mutations) need a token:
  // run the LogIn tab (demo users user0001, user0002, ... password demo-password),
  // copy data.logIn.token and put it here:
  // "Authorization": "Bearer <token>"
}`;

const json = (value: unknown) => JSON.stringify(value, null, 2);

export const profileOperation = `# One query across every store: PostgreSQL (user), Neo4j (followers,
# recommendations), MongoDB protocol (posts), Weaviate (related posts).
query Profile($handle: String!) {
  user(handle: $handle) {
    handle
    displayName
    email # needs a token (see Headers); null unless it is this user's
    followerCount
    followingCount
    recommendedFollows(limit: 3) {
      user {
        handle
      }
      mutualFollows
    }
    posts(first: 3) {
      edges {
        node {
          title
          likeCount
          commentCount
          related(first: 2) {
            score
            post {
              title
            }
          }
        }
      }
    }
  }
}
`;

export const feedOperation = `# Posts by the users the viewer follows, newest first: needs a token (see Headers).
query Feed($first: Int) {
  feed(first: $first) {
    edges {
      cursor
      node {
        title
        author {
          handle
        }
        likeCount
        createdAt
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
`;

export const searchOperation = `# Full-text search (OpenSearch, typos tolerated) with facets, and search by meaning (Weaviate).
query Search($text: String!) {
  search(query: $text, first: 5) {
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
    }
    edges {
      node {
        score
        item {
          __typename
          ... on Post {
            title
          }
          ... on Product {
            title
            priceCents
          }
          ... on User {
            handle
          }
        }
      }
    }
  }
  semanticSearch(text: $text, first: 3) {
    score
    post {
      title
    }
  }
}
`;

export const logInOperation = `# Returns a token for the Authorization header: "Bearer <token>" (see Headers).
mutation LogIn($login: String!, $password: String!) {
  logIn(input: { login: $login, password: $password }) {
    token
    user {
      id
      handle
    }
  }
}
`;

export const exampleTabs: TabDefinition[] = [
  { query: profileOperation, variables: json({ handle: 'user0001' }), headers: defaultHeaders },
  { query: feedOperation, variables: json({ first: 10 }), headers: defaultHeaders },
  { query: searchOperation, variables: json({ text: 'sourdogh bread' }), headers: defaultHeaders },
  {
    query: logInOperation,
    variables: json({ login: 'user0001', password: 'demo-password' }),
    headers: defaultHeaders,
  },
];
