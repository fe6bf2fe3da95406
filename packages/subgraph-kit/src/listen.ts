import { z } from 'zod';

/** Where a service listens when nothing is configured: loopback, until a deployment opens it. */
export const DEFAULT_HOST = '127.0.0.1';

const hostSchema = z.string().min(1).default(DEFAULT_HOST);
const portSchema = z.coerce.number().int().min(0).max(65535);

type ListenShape<Prefix extends string> = { [K in `${Prefix}_HOST`]: typeof hostSchema } & {
  [K in `${Prefix}_PORT`]: z.ZodDefault<typeof portSchema>;
};

/**
 * `<PREFIX>_HOST` (default 127.0.0.1; `0.0.0.0` in a container) and `<PREFIX>_PORT` for a service's
 * config schema: `baseConfigSchema.extend({ ...listenAddress('CONTENT', 4002), … })`.
 */
export function listenAddress<const Prefix extends string>(
  prefix: Prefix,
  defaultPort: number,
): ListenShape<Prefix> {
  return {
    [`${prefix}_HOST`]: hostSchema,
    [`${prefix}_PORT`]: portSchema.default(defaultPort),
  } as ListenShape<Prefix>;
}

/** The URL to print for a server bound to `host`: a wildcard bind is reached on loopback here. */
export function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
