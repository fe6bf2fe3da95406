import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The gateway verifies the user's token and tells subgraphs who the viewer is: `x-aetherial-viewer`
 * (the user id, empty for anonymous), `x-aetherial-scopes` (the token's scopes, space-separated) and
 * `x-request-id`. `x-aetherial-gateway-signature` is `<unix ms>.<Ed25519 signature>` over
 *
 *     aetherial-gateway-call/v1 \n <subgraph> \n <unix ms> \n <request id> \n <viewer> \n <scopes> \n <sha256(body)>
 *
 * made with the gateway's private key. A subgraph holds only the public key: a captured signature
 * is good for exactly one subgraph, one body, one viewer with its scopes, and a window of seconds,
 * and no subgraph can mint one. (Header values cannot hold a newline, so the text is unambiguous.)
 */
export const VIEWER_HEADER = 'x-aetherial-viewer';
export const SCOPES_HEADER = 'x-aetherial-scopes';
export const REQUEST_ID_HEADER = 'x-request-id';
export const SIGNATURE_HEADER = 'x-aetherial-gateway-signature';
/** How far a signature's timestamp may be from the subgraph's clock, either way. */
export const DEFAULT_SIGNATURE_WINDOW_MS = 30_000;
const SIGNATURE_VERSION = 'aetherial-gateway-call/v1';

export interface Viewer {
  /** The signed-in user's id, or null for an anonymous request. */
  userId: string | null;
  /** What the user's token grants (`customer`, `admin`, `catalog:write`, ...); empty when anonymous. */
  scopes: readonly string[];
}

export const ANONYMOUS_VIEWER: Viewer = Object.freeze({ userId: null, scopes: Object.freeze([]) });

export const hasScope = (viewer: Viewer, scope: string): boolean => viewer.scopes.includes(scope);

/** One call of the gateway to one subgraph. */
export interface GatewayCall {
  /** The target subgraph's name in the supergraph (`core`, `content`, ...). */
  subgraph: string;
  /** The exact bytes sent (a string is sent as UTF-8). */
  body: string | Uint8Array;
  viewerId: string | null;
  scopes: readonly string[];
  requestId: string;
}

const bodyHash = (body: string | Uint8Array): string => createHash('sha256').update(body).digest('base64url');

function signedText(
  subgraph: string,
  timestamp: string,
  requestId: string,
  viewer: string,
  scopes: string,
  hash: string,
): Buffer {
  return Buffer.from(
    `${SIGNATURE_VERSION}\n${subgraph}\n${timestamp}\n${requestId}\n${viewer}\n${scopes}\n${hash}`,
  );
}

/** Headers for one subgraph call, signed with the gateway's private key. */
export function signGatewayCall(
  privateKey: KeyObject,
  call: GatewayCall,
  now = Date.now(),
): Record<string, string> {
  const viewer = call.viewerId ?? '';
  const scopes = call.scopes.join(' ');
  const timestamp = String(now);
  const text = signedText(call.subgraph, timestamp, call.requestId, viewer, scopes, bodyHash(call.body));
  return {
    [VIEWER_HEADER]: viewer,
    [SCOPES_HEADER]: scopes,
    [REQUEST_ID_HEADER]: call.requestId,
    [SIGNATURE_HEADER]: `${timestamp}.${sign(null, text, privateKey).toString('base64url')}`,
  };
}

/** Why a call was refused (answered 401); the message is safe to show the caller. */
export class ForgedRequestError extends Error {}

export interface SignatureCheck {
  /** The public keys accepted (several while a key is rotated). */
  publicKeys: readonly KeyObject[];
  windowMs?: number;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) throw new ForgedRequestError(`${name} given more than once`);
  return value;
}

const TIMESTAMP = /^\d{13}$/; // unix milliseconds: 2001 to 2286
const ED25519_SIGNATURE = /^[A-Za-z0-9_-]{86}$/; // 64 bytes, base64url

/**
 * The viewer of a call that `subgraph` received with these headers and exactly this body; throws
 * ForgedRequestError when the call was not signed by the gateway for this subgraph and body, is out
 * of its time window, or has any signed header changed.
 */
export function verifyGatewayCall(
  check: SignatureCheck,
  subgraph: string,
  headers: IncomingHttpHeaders,
  body: Uint8Array,
  now = Date.now(),
): Viewer {
  const signature = header(headers, SIGNATURE_HEADER);
  if (!signature)
    throw new ForgedRequestError(`missing ${SIGNATURE_HEADER}: only the gateway may call this subgraph`);
  const dot = signature.indexOf('.');
  const timestamp = signature.slice(0, dot);
  const given = signature.slice(dot + 1);
  if (dot < 0 || !TIMESTAMP.test(timestamp) || !ED25519_SIGNATURE.test(given))
    throw new ForgedRequestError(`malformed ${SIGNATURE_HEADER}: expected <unix ms>.<signature>`);
  const windowMs = check.windowMs ?? DEFAULT_SIGNATURE_WINDOW_MS;
  const skew = now - Number(timestamp);
  if (skew > windowMs)
    throw new ForgedRequestError(`gateway signature expired (window ${windowMs / 1000} s)`);
  if (skew < -windowMs) throw new ForgedRequestError('gateway signature is dated in the future');
  const viewer = header(headers, VIEWER_HEADER) ?? '';
  const scopes = header(headers, SCOPES_HEADER) ?? '';
  const text = signedText(
    subgraph,
    timestamp,
    header(headers, REQUEST_ID_HEADER) ?? '',
    viewer,
    scopes,
    bodyHash(body),
  );
  const bytes = Buffer.from(given, 'base64url');
  if (!check.publicKeys.some((key) => verify(null, text, key, bytes))) {
    throw new ForgedRequestError(
      `gateway signature does not match this call to ${subgraph}: signed for another subgraph, body, viewer or scopes, or with another key`,
    );
  }
  return {
    userId: viewer === '' ? null : viewer,
    scopes: scopes === '' ? [] : scopes.split(' ').filter((scope) => scope !== ''),
  };
}
