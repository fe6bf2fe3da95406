/** The part of autocannon 8's API the benchmarks use (the package ships no types). */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  /** Per-connection state autocannon passes to `setupRequest` and `onResponse`. */
  type Context = Record<string, unknown>;

  /** One entry of `requests`: a connection sends them in turn, rebuilt by `setupRequest` if given. */
  interface RequestOptions {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    setupRequest?: (request: RequestOptions, context: Context) => RequestOptions | null;
    onResponse?: (status: number, body: string, context: Context, headers: Record<string, string>) => void;
  }

  interface Options {
    url: string;
    requests?: RequestOptions[];
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    duration?: number;
    timeout?: number;
    pipelining?: number;
    workers?: number;
    verifyBody?: (body: string) => boolean;
    setupClient?: (client: Client) => void;
  }

  /** One connection; emits 'headers' with the parsed response head. */
  interface Client extends EventEmitter {
    on(event: 'headers', listener: (head: { statusCode: number; headers: string[] }) => void): this;
  }

  interface Histogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    total: number;
    p50: number;
    p90: number;
    p97_5: number;
    p99: number;
  }

  interface Result {
    duration: number;
    errors: number;
    timeouts: number;
    mismatches: number;
    non2xx: number;
    resets: number;
    latency: Histogram;
    requests: Histogram;
    throughput: Histogram;
    statusCodeStats: Record<string, { count: number }>;
  }

  interface Instance extends EventEmitter, PromiseLike<Result> {
    stop(): void;
  }

  function autocannon(options: Options): Instance;
  export default autocannon;
  export type { Client, Context, Instance, Options, RequestOptions, Result };
}
