/**
 * Running the long external commands of `install()` (Go builds, Maven resolves): output is kept,
 * progress with elapsed time is reported every ~15 s, and a failure carries the output's tail.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { StackContext } from './store.js';

const execFileAsync = promisify(execFile);

export interface RunOptions {
  cwd?: string;
  /** Added to (and overriding) `process.env`. */
  env?: Record<string, string>;
  /** Progress output; without it the command runs silently. */
  log?: (message: string) => void;
  /** How the command is named in progress lines and errors (default: the command line). */
  label?: string;
  /** Interval of the progress lines (default 15 s). */
  progressEveryMs?: number;
  /** Output lines kept for the error message (default 40). */
  tailLines?: number;
}

export interface RunResult {
  /** stdout and stderr interleaved as they arrived. */
  output: string;
  elapsedMs: number;
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

function lastLines(text: string, count: number): string[] {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .slice(-count);
}

/**
 * Runs `command args` to completion. While it runs, `log` gets a line every ~15 s with the elapsed time,
 * the number of output lines so far and the latest one (for `go build -v` that is the package being built).
 * Rejects with a {@link CommandError} holding the tail of the output when the command fails.
 */
export function runWithProgress(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const label = options.label ?? [command, ...args].join(' ');
  const startedAt = Date.now();
  const chunks: string[] = [];
  let lineCount = 0;
  let lastLine = '';
  let partial = '';

  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (data: Buffer) => {
      const text = data.toString('utf8');
      chunks.push(text);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim().length === 0) continue;
        lineCount += 1;
        lastLine = line.trimEnd();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);

    const timer = options.log
      ? setInterval(() => {
          const detail = lastLine ? `, ${lineCount} lines of output, last: ${lastLine.slice(0, 120)}` : '';
          options.log?.(`${label}: still running after ${formatDuration(Date.now() - startedAt)}${detail}`);
        }, options.progressEveryMs ?? 15_000)
      : undefined;
    timer?.unref();

    child.on('error', (error: NodeJS.ErrnoException) => {
      if (timer) clearInterval(timer);
      const reason = error.code === 'ENOENT' ? `${command} not found` : error.message;
      reject(new CommandError(`${label} could not start: ${reason}`, null, ''));
    });
    child.on('close', (code, signal) => {
      if (timer) clearInterval(timer);
      const output = chunks.join('');
      const elapsedMs = Date.now() - startedAt;
      if (code === 0) {
        resolve({ output, elapsedMs });
        return;
      }
      const status = signal ? `killed by ${signal}` : `exit code ${code}`;
      const tail = lastLines(output, options.tailLines ?? 40).join('\n');
      reject(
        new CommandError(
          `${label} failed (${status}, after ${formatDuration(elapsedMs)})${tail ? `:\n${tail}` : ''}`,
          code,
          output,
        ),
      );
    });
  });
}

/** Runs a short command and returns its trimmed stdout (rejects on failure or when it is missing). */
export async function capture(
  command: string,
  args: string[],
  env?: Record<string, string>,
): Promise<string> {
  const { stdout } = await execFileAsync(command, args, {
    env: { ...process.env, ...env },
    maxBuffer: 16 << 20,
  });
  return stdout.trim();
}

// ---------------------------------------------------------------------------------------------------
// Go toolchain

export const requiredGo = { major: 1, minor: 26 };
const goHelp = `Go ${requiredGo.major}.${requiredGo.minor}+ is required to build the Go stores (FerretDB, Weaviate): see https://go.dev/doc/install (or set GO=/path/to/go)`;

let goPromise: Promise<string> | undefined;

/** Finds a Go toolchain new enough for the stack's Go builds and returns the `go` command to run. */
export function requireGo(): Promise<string> {
  goPromise ??= (async () => {
    const candidates = [process.env.GO, 'go', '/usr/local/go/bin/go'].filter(
      (candidate): candidate is string => !!candidate && (candidate === 'go' || existsSync(candidate)),
    );
    const tooOld: string[] = [];
    for (const go of candidates) {
      let version: string;
      try {
        version = await capture(go, ['env', 'GOVERSION']);
      } catch {
        continue;
      }
      const match = /^go(\d+)\.(\d+)/.exec(version);
      if (!match) continue;
      const [major, minor] = [Number(match[1]), Number(match[2])];
      if (major > requiredGo.major || (major === requiredGo.major && minor >= requiredGo.minor)) return go;
      tooOld.push(`${version} (${go})`);
    }
    throw new Error(
      tooOld.length > 0
        ? `${goHelp}; found only ${tooOld.join(', ')}`
        : `${goHelp}; no go command found on PATH`,
    );
  })();
  goPromise.catch(() => {
    goPromise = undefined;
  });
  return goPromise;
}

let goQueue: Promise<unknown> = Promise.resolve();

/**
 * Runs Go builds one after another: on a small machine two concurrent builds of big modules only slow
 * each other down, and the first one finished is usable sooner. `log` is told when a build has to wait.
 */
export function serialGoBuild<T>(
  label: string,
  log: (message: string) => void,
  build: () => Promise<T>,
): Promise<T> {
  let waiting = true;
  const queued = setTimeout(() => {
    if (waiting) log(`${label}: waiting for another Go build to finish`);
  }, 1000);
  queued.unref();
  const job = goQueue.then(() => {
    waiting = false;
    clearTimeout(queued);
    return build();
  });
  goQueue = job.catch(() => undefined);
  return job;
}

// ---------------------------------------------------------------------------------------------------
// Java launchers (stack/java/<name>-launcher): Maven builds the jar and resolves the classpath

const javaHelp =
  'Java 17+ and Maven are required to run Neo4j and OpenSearch: apt-get install -y openjdk-17-jdk-headless maven ' +
  '(or set JAVA_HOME to a JDK 17/21 and put mvn on PATH)';

/** The `java` that runs the launchers: the one Maven builds with (JAVA_HOME, else PATH). */
export function javaCommand(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

let javaPromise: Promise<void> | undefined;

/** Checks that Maven runs and that its Java (the one {@link javaCommand} names) is 17 or newer. */
function requireJavaAndMaven(): Promise<void> {
  javaPromise ??= (async () => {
    let version: string;
    try {
      version = await capture('mvn', ['-v']);
    } catch (error) {
      throw new Error(`${javaHelp}; \`mvn -v\` failed: ${(error as Error).message.split('\n')[0]}`);
    }
    const match = /Java version: (\d+)/.exec(version);
    if (!match) throw new Error(`${javaHelp}; \`mvn -v\` printed no Java version:\n${version}`);
    if (Number(match[1]) < 17) throw new Error(`${javaHelp}; Maven runs on Java ${match[1]}`);
  })();
  javaPromise.catch(() => {
    javaPromise = undefined;
  });
  return javaPromise;
}

export interface JavaLauncher {
  /** `-cp` value: the launcher jar, then every dependency jar in Maven's local repository. */
  classpath: string;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/**
 * Builds `stack/java/<name>` with Maven once per content of its pom.xml and sources, into
 * `<toolsDir>/<name>-<hash>/` (`launcher.jar` + `classpath.txt`), and returns its classpath. The jars stay
 * in Maven's local repository (not a shaded jar: the stores' META-INF/services files must stay separate);
 * if one has gone from there, the build runs again and fetches it.
 */
export async function javaLauncher(ctx: StackContext, name: string): Promise<JavaLauncher> {
  const sourceDir = join(ctx.root, 'stack', 'java', name);
  const hash = createHash('sha256');
  for (const file of [join(sourceDir, 'pom.xml'), ...filesUnder(join(sourceDir, 'src'))]) {
    hash.update(relative(sourceDir, file)).update('\0').update(readFileSync(file));
  }
  const outDir = join(ctx.toolsDir, `${name}-${hash.digest('hex').slice(0, 12)}`);
  const jar = join(outDir, 'launcher.jar');
  const classpathFile = join(outDir, 'classpath.txt');
  const installed = (): JavaLauncher | undefined => {
    if (!existsSync(jar) || !existsSync(classpathFile)) return undefined;
    const dependencies = readFileSync(classpathFile, 'utf8').trim();
    if (!dependencies.split(delimiter).every((entry) => existsSync(entry))) return undefined;
    return { classpath: [jar, dependencies].join(delimiter) };
  };
  const ready = installed();
  if (ready) return ready;

  await requireJavaAndMaven();
  // Build into a private directory beside the target and rename it: an interrupted build never looks installed.
  mkdirSync(ctx.toolsDir, { recursive: true });
  const partial = `${outDir}.partial-${process.pid}`;
  mkdirSync(partial, { recursive: true });
  ctx.log(`building ${name} with Maven into ${outDir} (the first time downloads the jars it needs)`);
  try {
    const { elapsedMs } = await runWithProgress(
      'mvn',
      ['-B', 'package', 'dependency:build-classpath', `-Dmdep.outputFile=${join(partial, 'classpath.txt')}`],
      { cwd: sourceDir, log: ctx.log, label: `${name} maven build` },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${javaHelp}`);
    });
    renameSync(join(sourceDir, 'target', `${name}.jar`), join(partial, 'launcher.jar'));
    rmSync(outDir, { recursive: true, force: true });
    renameSync(partial, outDir);
    ctx.log(`${name} built in ${formatDuration(elapsedMs)}`);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  const built = installed();
  if (!built)
    throw new Error(`${name}: Maven finished but ${outDir} has no usable launcher.jar/classpath.txt`);
  return built;
}

/** Extra JVM options from an environment variable (whitespace-separated), e.g. NEO4J_JAVA_OPTS="-Xmx1g". */
export function javaOptsFrom(variable: string): string[] {
  return (process.env[variable] ?? '').split(/\s+/).filter((option) => option.length > 0);
}
