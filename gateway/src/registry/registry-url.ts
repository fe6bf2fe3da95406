/** The registry's PostgreSQL: SCHEMA_REGISTRY_URL, else the stack's DATABASE_URL, else the stack default. */
export function registryUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.SCHEMA_REGISTRY_URL || env.DATABASE_URL || 'postgresql://aetherial:aetherial@127.0.0.1:5432/aetherial'
  );
}
