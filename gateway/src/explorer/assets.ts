import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join } from 'node:path';
import type { ExplorerManifest } from './page-config.js';
import { explorerSecurityHeaders } from './content-security-policy.js';

/** The gateway package's folder, found upwards from this file (from src/ under tsx, or from a build). */
function gatewayPackageDir(from = import.meta.dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === '@aetherial/gateway')
      return dir;
  }
  throw new Error(`explorer: no @aetherial/gateway package.json above ${from}`);
}

/** Where `npm run explorer:build` writes the page (gateway/explorer/dist, git-ignored). */
export const explorerDistDir = join(gatewayPackageDir(), 'explorer/dist');

/** URL path under which the gateway serves the built files. */
export const explorerAssetsPath = '/explorer/assets/';

const contentTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

export type ManifestState = { ok: true; manifest: ExplorerManifest } | { ok: false; reason: string };

/**
 * The current build's manifest, read from disk each time (a page load is rare, and a rebuild while
 * the gateway runs is then picked up at once).
 */
export function readManifest(distDir = explorerDistDir): ManifestState {
  const path = join(distDir, 'manifest.json');
  if (!existsSync(path)) return { ok: false, reason: `${path} does not exist` };
  try {
    return { ok: true, manifest: JSON.parse(readFileSync(path, 'utf8')) as ExplorerManifest };
  } catch (error) {
    return { ok: false, reason: `${path} is unreadable: ${(error as Error).message}` };
  }
}

/**
 * Serves one built file. Only names the manifest lists are served (no path from the URL reaches
 * the file system otherwise); names carry a content hash, so browsers may keep them for a year.
 */
export function serveAsset(
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  distDir = explorerDistDir,
): void {
  const state = readManifest(distDir);
  if (!state.ok || !state.manifest.files.includes(name)) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...explorerSecurityHeaders });
    res.end(`no explorer asset ${name}`);
    return;
  }
  const file = join(distDir, name);
  const gzipped = `${file}.gz`;
  const acceptsGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const useGzip = acceptsGzip && existsSync(gzipped);
  const served = useGzip ? gzipped : file;
  res.writeHead(200, {
    'content-type': contentTypes[extname(name)] ?? 'application/octet-stream',
    'content-length': String(statSync(served).size),
    'cache-control': 'public, max-age=31536000, immutable',
    vary: 'accept-encoding',
    ...(useGzip ? { 'content-encoding': 'gzip' } : {}),
    ...explorerSecurityHeaders,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(served)
    .on('error', () => res.destroy())
    .pipe(res);
}
