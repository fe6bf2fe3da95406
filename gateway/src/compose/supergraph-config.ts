import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** Rover's `supergraph.yaml`: the list of subgraphs, their routing URLs and schema files. */
const configSchema = z.object({
  federation_version: z.string().optional(),
  subgraphs: z.record(
    z.string(),
    z.object({
      routing_url: z.string().url(),
      schema: z.object({ file: z.string() }),
    }),
  ),
});

export interface SubgraphSource {
  name: string;
  url: string;
  schemaFile: string;
  sdl: string;
}

export function readSupergraphConfig(configPath: string): SubgraphSource[] {
  const raw = parseYaml(readFileSync(configPath, 'utf8')) as unknown;
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `${configPath} is not a valid supergraph config:\n` +
        parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n'),
    );
  }
  return Object.entries(parsed.data.subgraphs).map(([name, subgraph]) => {
    const schemaFile = resolve(dirname(configPath), subgraph.schema.file);
    return { name, url: subgraph.routing_url, schemaFile, sdl: readFileSync(schemaFile, 'utf8') };
  });
}
