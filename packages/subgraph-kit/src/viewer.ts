import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The gateway verifies the user's token and tells subgraphs who the viewer is in two headers:
 * `x-aetherial-viewer` (the user id, empty for anonymous) and `x-aetherial-gateway-signature`,
 * an HMAC over the viewer, request id and a timestamp with a secret only the gateway and the
 * subgraphs share. A subgraph deployed on its own therefore cannot be fed a forged viewer.
 */
export const VIEWER_HEADER = 'x-aetherial-viewer';
export const REQUEST_ID_HEADER = 'x-request-id';
export const SIGNATURE_HEADER = 'x-aetherial-gateway-signature';
const maxSkewMs = 5 * 60_000;

export interface Viewer {
  /** The signed-in user's id, or null for an anonymous request. */
  userId: string | null;
}

function mac(secret: string, viewer: string, requestId: string, timestamp: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${requestId}\n${viewer}`).digest('base64url');
}

/** Headers the gateway adds to every subgraph request. */
export function signViewerHeaders(
  secret: string,
  userId: string | null,
  requestId: string,
  now = Date.now(),
): Record<string, string> {
  const viewer = userId ?? '';
  const timestamp = String(now);
  return {
    [VIEWER_HEADER]: viewer,
    [REQUEST_ID_HEADER]: requestId,
    [SIGNATURE_HEADER]: `${timestamp}.${mac(secret, viewer, requestId, timestamp)}`,
  };
}

export class ForgedRequestError extends Error {}

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/** Reads the viewer from gateway headers; throws ForgedRequestError when the signature does not hold. */
export function verifyViewerHeaders(secret: string, headers: IncomingHttpHeaders, now = Date.now()): Viewer {
  const signature = header(headers, SIGNATURE_HEADER);
  const [timestamp, given] = signature.split('.');
  if (!timestamp || !given)
    throw new ForgedRequestError(`missing ${SIGNATURE_HEADER}: only the gateway may call this subgraph`);
  if (Math.abs(now - Number(timestamp)) > maxSkewMs)
    throw new ForgedRequestError('gateway signature expired');
  const viewer = header(headers, VIEWER_HEADER);
  const expected = Buffer.from(mac(secret, viewer, header(headers, REQUEST_ID_HEADER), timestamp));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw new ForgedRequestError('gateway signature does not match: request not from the gateway');
  }
  return { userId: viewer === '' ? null : viewer };
}
