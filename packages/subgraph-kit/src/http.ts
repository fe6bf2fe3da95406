import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';

export class PayloadTooLargeError extends Error {}

/** Reads a request body up to `limit` bytes; beyond that the request is refused (413), not buffered. */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return (await readBodyBytes(req, limit)).toString('utf8');
}

/** The exact bytes of a request body (what a gateway signature covers), up to `limit`. */
export async function readBodyBytes(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit)
    throw new PayloadTooLargeError(`request body of ${declared} bytes exceeds the limit of ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new PayloadTooLargeError(`request body exceeds the limit of ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function toHeaderMap(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

/** The Apollo Server request for a node request whose body was read already. */
export function toGraphQLRequest(req: IncomingMessage, rawBody: string): HTTPGraphQLRequest {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers = toHeaderMap(req);
  let body: unknown = rawBody;
  if ((headers.get('content-type') ?? '').includes('application/json') && rawBody !== '') {
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = rawBody; // Apollo Server answers 400 with a clear message for a non-JSON body.
    }
  }
  return { method: (req.method ?? 'GET').toUpperCase(), headers, search: url.search, body };
}

export async function writeGraphQLResponse(
  res: ServerResponse,
  response: HTTPGraphQLResponse,
): Promise<void> {
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}
