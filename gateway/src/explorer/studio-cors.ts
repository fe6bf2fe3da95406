import type { IncomingMessage, ServerResponse } from 'node:http';

/** Apollo Studio's Explorer calls the gateway from this origin, straight from the user's browser. */
export const STUDIO_ORIGIN = 'https://studio.apollographql.com';

/** A header list as browsers send it in Access-Control-Request-Headers (tokens and commas only). */
const headerList = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/**
 * CORS for Apollo Studio only (development): its origin, and no other, may call the gateway and
 * read the answers. Users add their own headers in Studio (Authorization and others), so the
 * preflight allows the headers it asks for, for this one origin. Chrome's Private Network Access
 * asks a loopback gateway for permission too, since Studio is a public site.
 * Returns true when it answered the request itself (a preflight).
 */
export function handleStudioCors(req: IncomingMessage, res: ServerResponse): boolean {
  res.appendHeader('vary', 'origin');
  if (req.headers.origin !== STUDIO_ORIGIN) return false;
  res.setHeader('access-control-allow-origin', STUDIO_ORIGIN);
  res.setHeader('access-control-allow-credentials', 'true');
  res.setHeader('access-control-expose-headers', 'x-cache, x-request-id');
  if (req.method !== 'OPTIONS') return false;
  const requested = String(req.headers['access-control-request-headers'] ?? '').trim();
  res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
  if (requested && headerList.test(requested)) res.setHeader('access-control-allow-headers', requested);
  if (req.headers['access-control-request-private-network'] === 'true')
    res.setHeader('access-control-allow-private-network', 'true');
  res.setHeader('access-control-max-age', '600');
  res.writeHead(204).end();
  return true;
}
