import { gatewayUrl } from './namespace.js';

export interface GraphQLAnswer<TData> {
  status: number;
  cache: string | null;
  data: TData | null | undefined;
  errors:
    | { message: string; path?: (string | number)[]; extensions?: { code?: string; field?: string } }[]
    | undefined;
}

/** A frontend's request to the gateway. */
export async function gql<TData = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GraphQLAnswer<TData>> {
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: TData | null; errors?: GraphQLAnswer<TData>['errors'] };
  return {
    status: response.status,
    cache: response.headers.get('x-cache'),
    data: body.data,
    errors: body.errors,
  };
}

/** Polls until `check` holds, within a bound: read models catch up asynchronously. */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!check(last)) {
    if (Date.now() > deadline)
      throw new Error(
        `not reached within ${timeoutMs} ms; last value: ${JSON.stringify(last).slice(0, 500)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
    last = await read();
  }
  return last;
}
