import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  isUnionType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

/**
 * Tells the gateway which entities and lists a response holds, so its response cache drops only
 * the responses a write makes stale. Three kinds of tag travel in `extensions.cacheTags`:
 * - `Post:123` for every entity object a field was resolved on (an update of Post 123 drops these);
 * - `Post` for a list or connection of Posts at the root (`posts`, `search`, `feed`): a write that
 *   changes which posts such a list holds (a post published, re-tagged, deleted) drops these;
 * - `User:42.posts` for a list on an entity (`User.posts`): a write that changes that one list
 *   (a post by user 42 created or published) drops these, and no other user's list.
 * A field returning one entity gets no type tag: its entity tag is enough, and a sign-up or a like
 * must not drop every cached page that shows a user or a post. `_entities` gets none either.
 * Writers put the same tags on their domain events (`cacheTags`) and on their mutation responses
 * (`addCacheTags`), built with `cacheTag` below so both sides spell them alike.
 */
export const CACHE_TAGS_EXTENSION = 'cacheTags';

export const cacheTag = {
  entity: (type: string, id: string): string => `${type}:${id}`,
  /** Root lists and connections of a type. */
  list: (type: string): string => type,
  /** One entity's own list field. */
  childList: (type: string, id: string, field: string): string => `${type}:${id}.${field}`,
};

export interface CacheTagsOptions {
  /**
   * `Type.field` lists on an entity whose members any write of their type can change (related
   * posts, recommendations): they also get the type tag of what they hold, not only their own.
   */
  broadLists?: readonly string[];
}

/** Tags a resolver adds to its response (a mutation reports what its write made stale). */
const addedTags = new WeakMap<object, Set<string>>();

export function addCacheTags(context: object, tags: Iterable<string>): void {
  let set = addedTags.get(context);
  if (!set) addedTags.set(context, (set = new Set()));
  for (const tag of tags) set.add(tag);
}

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

/** A Relay connection or edge: its own lists are parts of the list field that returned it. */
function isConnectionPart(type: GraphQLObjectType): boolean {
  const fields = type.getFields();
  return (
    /(Connection|Edge)$/.test(type.name) || 'edges' in fields || ('node' in fields && 'cursor' in fields)
  );
}

function isListOrConnection(field: GraphQLField<unknown, unknown>): boolean {
  const type = getNullableType(field.type);
  if (isListType(type)) return true;
  const named = getNamedType(field.type);
  return isObjectType(named) && isConnectionPart(named);
}

/**
 * The id of an entity object a resolver returned: `id`, or a document store's `_id` (an ObjectId
 * prints as the hex id the schema serves).
 */
function idOf(source: unknown): string | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  const { id, _id } = source as { id?: unknown; _id?: unknown };
  if (typeof id === 'string' || typeof id === 'number') return String(id);
  if (typeof _id === 'string' || typeof _id === 'number') return String(_id);
  if (
    typeof _id === 'object' &&
    _id !== null &&
    'toHexString' in _id &&
    typeof _id.toHexString === 'function'
  )
    return String((_id as { toHexString: () => unknown }).toHexString());
  return undefined;
}

/** How one field is tagged: fixed type tags, or its parent's child-list tag. */
interface FieldTags {
  types: string[];
  childList: boolean;
}

export function cacheTagsPlugin<TContext extends object>(
  options: CacheTagsOptions = {},
): ApolloServerPlugin<TContext> {
  let entities = new Set<string>();
  const fieldTags = new Map<string, FieldTags>();
  const broad = new Set(options.broadLists ?? []);
  return {
    async serverWillStart({ schema }) {
      entities = entityTypeNames(schema);
      const queryType = schema.getQueryType()?.name;
      for (const type of Object.values(schema.getTypeMap())) {
        if (!isObjectType(type) || type.name.startsWith('__') || isConnectionPart(type)) continue;
        if (type.name === schema.getMutationType()?.name) continue; // a write reports its own tags
        for (const field of Object.values(type.getFields())) {
          if (type.name === queryType && field.name.startsWith('_')) continue; // _entities, _service
          if (!isListOrConnection(field)) continue;
          const reached = [...reachableEntities(getNamedType(field.type), entities, 3)];
          if (reached.length === 0) continue;
          const onEntity = entities.has(type.name);
          fieldTags.set(`${type.name}.${field.name}`, {
            types: !onEntity || broad.has(`${type.name}.${field.name}`) ? reached : [],
            childList: onEntity,
          });
        }
      }
    },
    async requestDidStart() {
      const tags = new Set<string>();
      return {
        async executionDidStart({ operation }) {
          // A mutation's answer tags only the entities it holds (the gateway drops them at once):
          // its lists' type tags would drop every list of the type on every write.
          const lists = operation.operation === 'query';
          const listTags = (parent: string, fieldName: string, id: string | undefined) => {
            const field = lists ? fieldTags.get(`${parent}.${fieldName}`) : undefined;
            if (!field) return;
            for (const tag of field.types) tags.add(tag);
            if (field.childList && id !== undefined) tags.add(cacheTag.childList(parent, id, fieldName));
          };
          return {
            willResolveField({ source, info }) {
              const parent = info.parentType.name;
              if (!entities.has(parent)) return listTags(parent, info.fieldName, undefined);
              const id = idOf(source);
              if (id !== undefined) tags.add(cacheTag.entity(parent, id));
              listTags(parent, info.fieldName, id);
              // The id as the subgraph serves it, for stores whose records keep it elsewhere.
              if (info.fieldName !== 'id' || id !== undefined) return;
              return (error, result) => {
                if (!error && (typeof result === 'string' || typeof result === 'number'))
                  tags.add(cacheTag.entity(parent, String(result)));
              };
            },
          };
        },
        async willSendResponse({ response, contextValue }) {
          for (const tag of addedTags.get(contextValue) ?? []) tags.add(tag);
          if (response.body.kind !== 'single' || tags.size === 0) return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, [CACHE_TAGS_EXTENSION]: [...tags] };
        },
      };
    },
  };
}
