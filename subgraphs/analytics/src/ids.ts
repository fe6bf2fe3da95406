import { badUserInput } from '@aetherial/subgraph-kit';

/**
 * Ids of the graph's entities: UUIDs (core), ObjectId hex (content), test prefixes. Only these
 * characters ever reach a query or a tag, whatever the client sends, on top of the client's own
 * escaping of values in Flux.
 */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const isEntityId = (id: string): boolean => ID_PATTERN.test(id);

/** The id, or BAD_USER_INPUT naming the argument. */
export function requireEntityId(field: string, id: string): string {
  if (!isEntityId(id)) throw badUserInput(field, 'not a valid id (1 to 64 letters, digits, - or _)');
  return id;
}
