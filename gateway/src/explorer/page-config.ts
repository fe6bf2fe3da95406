/**
 * What the gateway and the page agree on. The gateway writes a `PageConfig` into the page as a JSON
 * data block (not a script: the Content-Security-Policy allows no inline script), and reads the
 * build's `manifest.json` to know the hashed file names.
 */
export type WorkerLabel = 'editor' | 'json' | 'graphql';

/** `explorer/dist/manifest.json`, written by explorer/build.ts. */
export interface ExplorerManifest {
  /** The page's ES module. */
  script: string;
  styleSheet: string;
  /** One classic worker script per Monaco language service. */
  workers: Record<WorkerLabel, string>;
  /** Every file of the build, the only names the gateway serves. */
  files: string[];
}

export interface PageConfig {
  /** Path of the GraphQL endpoint on this origin (`/graphql`). */
  endpointPath: string;
  /** URLs (same origin) of the Monaco worker scripts. */
  workerUrls: Record<WorkerLabel, string>;
}

/** Id of the `<script type="application/json">` element holding the PageConfig. */
export const PAGE_CONFIG_ELEMENT_ID = 'explorer-config';
