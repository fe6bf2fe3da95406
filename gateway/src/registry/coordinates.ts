import { TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';

/**
 * The schema coordinates an operation touches: `Type.field` for every field selected (on the type
 * it is selected from, interfaces included) and `Type.field.argument` for every argument given.
 * These are the paths @graphql-inspector names in its changes, so a check can match them.
 */
export function operationCoordinates(schema: GraphQLSchema, document: DocumentNode): string[] {
  const coordinates = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (parent && !node.name.value.startsWith('__')) coordinates.add(`${parent.name}.${node.name.value}`);
      },
      Argument(node) {
        const field = typeInfo.getFieldDef();
        const parent = typeInfo.getParentType();
        if (field && parent) coordinates.add(`${parent.name}.${field.name}.${node.name.value}`);
      },
    }),
  );
  return [...coordinates];
}
