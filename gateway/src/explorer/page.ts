import { PAGE_CONFIG_ELEMENT_ID, type PageConfig } from './page-config.js';
import { explorerAssetsPath, type ManifestState } from './assets.js';

/** JSON safe inside a `<script>` data block: no `</script>` or `<!--` can end it early. */
function jsonForHtml(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** The explorer page: only links to this gateway's own files, and its settings as inert JSON. */
export function explorerPage(state: ManifestState, endpointPath: string): { status: number; html: string } {
  if (!state.ok) {
    return {
      status: 503,
      html: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Explorer not built</title><link rel="icon" href="data:,"></head>
<body><h1>The explorer's files are not built</h1>
<p>Run <code>npm run explorer:build -w @aetherial/gateway</code> (or <code>npm run build</code>;
<code>npm start</code> and <code>npm test</code> build them too), then reload.
GraphQL itself is served here as usual (POST ${endpointPath}).</p></body></html>
`,
    };
  }
  const { manifest } = state;
  const asset = (name: string) => `${explorerAssetsPath}${encodeURIComponent(name)}`;
  const config: PageConfig = {
    endpointPath,
    workerUrls: {
      editor: asset(manifest.workers.editor),
      json: asset(manifest.workers.json),
      graphql: asset(manifest.workers.graphql),
    },
  };
  return {
    status: 200,
    html: `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Aetherial graph explorer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset(manifest.styleSheet)}">
<script type="application/json" id="${PAGE_CONFIG_ELEMENT_ID}">${jsonForHtml(config)}</script>
<script type="module" src="${asset(manifest.script)}"></script>
</head>
<body>
<div id="explorer"></div>
<noscript>The explorer needs JavaScript. GraphQL is served on POST ${endpointPath}.</noscript>
</body>
</html>
`,
  };
}
