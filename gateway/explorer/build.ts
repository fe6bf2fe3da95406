/**
 * Builds the explorer page (GraphiQL 5 with the explorer plugin) into static files the gateway
 * serves itself, so the page loads without any other host: `npm run explorer:build -w
 * @aetherial/gateway` (turbo runs it before `test`, `build` and `npm start`, and caches it).
 *
 * Output in `explorer/dist/`: the page's script and style sheet, one classic script per Monaco
 * worker (Monaco would otherwise look for its workers on a CDN or need a blob: URL), and
 * `manifest.json` naming each file by its role. File names carry a content hash, so the gateway
 * can let browsers cache them for good.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import type { ExplorerManifest, WorkerLabel } from '../src/explorer/page-config.js';

const root = import.meta.dirname;
const outdir = resolve(root, 'dist');

const workers: Record<WorkerLabel, string> = {
  editor: 'monaco-editor/esm/vs/editor/editor.worker.js',
  json: 'monaco-editor/esm/vs/language/json/json.worker.js',
  graphql: 'monaco-graphql/esm/graphql.worker.js',
};

const common: BuildOptions = {
  bundle: true,
  minify: true,
  sourcemap: false,
  target: 'es2022',
  outdir,
  metafile: true,
  logLevel: 'warning',
  legalComments: 'linked',
  define: { 'process.env.NODE_ENV': '"production"' },
  // Monaco's style sheets point at its icon font; it is emitted beside them, never fetched elsewhere.
  loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'file', '.png': 'file' },
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
};

/** The output file an entry point became (and its CSS, for the page). */
function outputsOf(metafile: Metafile, entry: string): { js?: string; css?: string } {
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (output.entryPoint && output.entryPoint.endsWith(entry)) {
      return { js: basename(file), css: output.cssBundle ? basename(output.cssBundle) : undefined };
    }
  }
  return {};
}

async function main(): Promise<void> {
  const started = performance.now();
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });

  const page = await build({
    ...common,
    entryPoints: { explorer: join(root, 'src/main.tsx') },
    format: 'esm',
    jsx: 'automatic',
  });
  const pageOut = outputsOf(page.metafile!, 'src/main.tsx');
  if (!pageOut.js || !pageOut.css) throw new Error('explorer build: no page script or style sheet');

  // Classic (non-module) worker scripts: every browser GraphiQL supports can start them.
  const workerBuild = await build({
    ...common,
    entryPoints: Object.fromEntries(
      Object.entries(workers).map(([label, path]) => [`${label}.worker`, path]),
    ),
    format: 'iife',
  });
  const workerFiles = Object.fromEntries(
    Object.entries(workers).map(([label, path]) => {
      const file = outputsOf(workerBuild.metafile!, path).js;
      if (!file) throw new Error(`explorer build: worker ${label} missing`);
      return [label, file];
    }),
  ) as Record<WorkerLabel, string>;

  // Precompressed copies: the page script is several MiB, gzip takes it to about a quarter.
  const files = [...Object.keys(page.metafile!.outputs), ...Object.keys(workerBuild.metafile!.outputs)];
  for (const file of files) {
    if (/\.(js|css|ttf|svg|txt)$/.test(file)) {
      writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }));
    }
  }

  const manifest: ExplorerManifest = {
    script: pageOut.js,
    styleSheet: pageOut.css,
    workers: workerFiles,
    files: files.map((file) => basename(file)),
  };
  writeFileSync(join(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const ms = Math.round(performance.now() - started);
  console.log(`explorer built into ${outdir} (${files.length} files, ${ms} ms)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
