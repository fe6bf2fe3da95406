import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { Logger } from '@aetherial/subgraph-kit';
import type { GatewayConfig } from '../config.js';
import { explorerAssetsPath, explorerDistDir, readManifest, serveAsset } from './assets.js';
import { explorerSecurityHeaders } from './content-security-policy.js';
import { explorerModeOf, type ExplorerMode } from './mode.js';
import { explorerPage } from './page.js';
import { handleStudioCors } from './studio-cors.js';

export { explorerModes, type ExplorerMode } from './mode.js';

export interface Explorer {
  mode: ExplorerMode;
  /** Apollo's landing page: Sandbox in `sandbox` mode, none otherwise (ours is served before Apollo). */
  landingPage: ApolloServerPlugin;
  /** Answers what is the explorer's (its page, its files, Studio's preflight); false for the rest. */
  handle: (req: IncomingMessage, res: ServerResponse, path: string) => boolean;
}

const endpointPath = '/graphql';

/** A browser opening the endpoint: a GET that prefers HTML and carries no GraphQL operation. */
function isPageRequest(req: IncomingMessage, url: URL): boolean {
  return (
    (req.method === 'GET' || req.method === 'HEAD') &&
    String(req.headers.accept ?? '').includes('text/html') &&
    !url.searchParams.has('query') &&
    !url.searchParams.has('extensions')
  );
}

/** A malformed escape names no asset (served as 404, not a 500). */
function safeDecode(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return '';
  }
}

export function createExplorer(
  config: Pick<GatewayConfig, 'GATEWAY_EXPLORER' | 'NODE_ENV'>,
  log: Logger,
  distDir = explorerDistDir,
): Explorer {
  const mode = explorerModeOf(config);
  const development = config.NODE_ENV !== 'production';
  if (mode === 'graphiql') {
    const state = readManifest(distDir);
    if (state.ok) log.info({ explorer: mode }, `explorer on GET ${endpointPath}`);
    else
      log.warn(
        { explorer: mode, reason: state.reason },
        'explorer files are not built: run npm run explorer:build -w @aetherial/gateway',
      );
  }
  return {
    mode,
    landingPage:
      mode === 'sandbox'
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true })
        : ApolloServerPluginLandingPageDisabled(),
    handle(req, res, path) {
      const onEndpoint = path === endpointPath || path === '/';
      if (development && onEndpoint && handleStudioCors(req, res)) return true;
      if (mode !== 'graphiql') return false;
      if (path.startsWith(explorerAssetsPath) && (req.method === 'GET' || req.method === 'HEAD')) {
        serveAsset(req, res, safeDecode(path.slice(explorerAssetsPath.length)), distDir);
        return true;
      }
      if (!onEndpoint || !isPageRequest(req, new URL(req.url ?? '/', 'http://gateway'))) return false;
      const page = explorerPage(readManifest(distDir), endpointPath);
      res.writeHead(page.status, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        ...explorerSecurityHeaders,
      });
      res.end(req.method === 'HEAD' ? undefined : page.html);
      return true;
    },
  };
}
