/**
 * One data store of the local stack. Every store module in `stores/` exports one of these;
 * the CLI (`cli.ts`) installs, starts, checks and stops them all the same way.
 */
export interface StackContext {
  /** Repository root. */
  root: string;
  /** Per-checkout runtime data: `<root>/.data`. */
  dataDir: string;
  /** Where this store keeps its data: `<root>/.data/store/<name>`. */
  storeDir: string;
  /** Built tools shared by every checkout on this machine (binaries, classpaths), keyed by version. */
  toolsDir: string;
  /** Progress output for long steps (builds, downloads). */
  log: (message: string) => void;
}

export interface ProcessSpec {
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Run as this system user (PostgreSQL refuses to run as root). */
  user?: string;
}

export interface StoreDef {
  /** Short name used on the command line: `npm run stack -- logs neo4j`. */
  name: string;
  /** Environment variable holding the URL clients use; set to a non-loopback URL, `up` leaves the store alone. */
  urlEnv: string;
  /** URL used when `urlEnv` is unset. */
  defaultUrl: string;
  /** Started only when named (`up redis-cluster`), never by a plain `up`; `down`/`status`/`reset` include it. */
  optIn?: boolean;
  /** Stores that must be ready before this one starts (FerretDB keeps its data in PostgreSQL). */
  dependsOn?: string[];
  /** TCP ports the process binds (checked before start so a clash is named). */
  ports(url: URL): number[];
  /** Signal for a graceful stop (default SIGTERM; PostgreSQL wants SIGINT for a fast clean shutdown). */
  stopSignal?: NodeJS.Signals;
  /** How long `up` waits for readiness before printing the log tail. */
  readyTimeoutMs: number;
  /** Install whatever is missing (apt packages, go build, maven resolve). Idempotent and quiet when done. */
  install(ctx: StackContext): Promise<void>;
  /** One-time initialisation of an empty data directory (e.g. initdb). */
  init?(ctx: StackContext, url: URL): Promise<void>;
  /** The foreground process to run under the stack's supervision. */
  process(ctx: StackContext, url: URL): Promise<ProcessSpec>;
  /** Real readiness: a query through the store's protocol, not just an open port. Throws when not ready. */
  probe(url: URL, ctx: StackContext): Promise<void>;
  /** After first readiness (e.g. create the project's databases). Idempotent. */
  afterReady?(ctx: StackContext, url: URL): Promise<void>;
}
