import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType,
  isObjectType,
  isUnionType,
  isInterfaceType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';

/**
 * Tells the gateway which entities a response holds, so its response cache can drop exactly the
 * responses a domain event makes stale. Two kinds of tag travel in `extensions.cacheTags`:
 * - `Post:123` for every entity object resolved (an update of Post 123 drops these);
 * - `Post` for every field that can return Posts (a created or deleted Post drops these, since
 *   any list of Posts may change, including one that was empty).
 */
export const CACHE_TAGS_EXTENSION = 'cacheTags';

function entityTypeNames(schema: GraphQLSchema): Set<string> {
  const entity = schema.getType('_Entity');
  return new Set(entity && isUnionType(entity) ? entity.getTypes().map((type) => type.name) : []);
}

/** Entity types reachable from a type within a few object hops (through connections and edges). */
function reachableEntities(
  type: GraphQLNamedType,
  entities: Set<string>,
  depth: number,
  seen = new Set<string>(),
): Set<string> {
  const found = new Set<string>();
  if (seen.has(type.name)) return found;
  seen.add(type.name);
  if (entities.has(type.name)) found.add(type.name);
  // A union's members are the same value, not a hop further (search's SearchItem = Post | Product | User).
  const members = isUnionType(type) ? type.getTypes() : [];
  for (const member of members)
    for (const name of reachableEntities(member, entities, depth, seen)) found.add(name);
  if (depth === 0) return found;
  if ((isObjectType(type) || isInterfaceType(type)) && !entities.has(type.name)) {
    for (const field of Object.values(type.getFields())) {
      for (const name of reachableEntities(getNamedType(field.type), entities, depth - 1, seen))
        found.add(name);
    }
  }
  return found;
}

export function cacheTagsPlugin<TContext extends object>(): ApolloServerPlugin<TContext> {
  let entities = new Set<string>();
  const fieldTags = new Map<string, string[]>();
  return {
    async serverWillStart({ schema }) {
      entities = entityTypeNames(schema);
      for (const type of Object.values(schema.getTypeMap())) {
        if (!isObjectType(type) || type.name.startsWith('__')) continue;
        for (const field of Object.values(type.getFields())) {
          const tags = [...reachableEntities(getNamedType(field.type), entities, 3)];
          if (tags.length > 0) fieldTags.set(`${type.name}.${field.name}`, tags);
        }
      }
    },
    async requestDidStart() {
      const tags = new Set<string>();
      return {
        async executionDidStart() {
          return {
            willResolveField({ source, info }) {
              for (const tag of fieldTags.get(`${info.parentType.name}.${info.fieldName}`) ?? [])
                tags.add(tag);
              if (entities.has(info.parentType.name) && typeof source === 'object' && source !== null) {
                const id = (source as { id?: unknown }).id;
                if (typeof id === 'string' || typeof id === 'number')
                  tags.add(`${info.parentType.name}:${id}`);
              }
            },
          };
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single' || tags.size === 0) return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, [CACHE_TAGS_EXTENSION]: [...tags] };
        },
      };
    },
  };
}
