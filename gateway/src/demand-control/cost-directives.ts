import type { DirectiveNode, DocumentNode } from 'graphql';
import { directiveArgument, linkedDirectiveNames } from '../supergraph-links.js';

/** `@listSize` of a field (IBM/Apollo demand-control spec). */
export interface ListSize {
  assumedSize?: number;
  slicingArguments?: string[];
  sizedFields?: string[];
}

/**
 * The `@cost` and `@listSize` declarations of a supergraph (Federation 2.9's `cost` spec, which
 * composition keeps in the supergraph): weights by type (`Type`), field (`Type.field`) and argument
 * (`Type.field(argument)`), list sizes by field.
 */
export interface CostDirectives {
  weights: ReadonlyMap<string, number>;
  listSizes: ReadonlyMap<string, ListSize>;
}

export function costDirectives(supergraph: DocumentNode): CostDirectives {
  const linked = linkedDirectiveNames(supergraph);
  const costName = linked('cost', 'cost');
  const listSizeName = linked('cost', 'listSize');
  const weights = new Map<string, number>();
  const listSizes = new Map<string, ListSize>();
  const read = (coordinate: string, directives: readonly DirectiveNode[] | undefined) => {
    for (const directive of directives ?? []) {
      if (directive.name.value === costName) {
        const weight = Number(directiveArgument(directive, 'weight'));
        if (Number.isFinite(weight)) weights.set(coordinate, Math.max(0, weight));
      } else if (directive.name.value === listSizeName) {
        listSizes.set(coordinate, {
          assumedSize: directiveArgument(directive, 'assumedSize') as number | undefined,
          slicingArguments: directiveArgument(directive, 'slicingArguments') as string[] | undefined,
          sizedFields: directiveArgument(directive, 'sizedFields') as string[] | undefined,
        });
      }
    }
  };
  if (!costName && !listSizeName) return { weights, listSizes };
  for (const definition of supergraph.definitions) {
    if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
    const type = definition.name.value;
    read(type, definition.directives);
    if (!('fields' in definition)) continue;
    for (const field of definition.fields ?? []) {
      const coordinate = `${type}.${field.name.value}`;
      read(coordinate, field.directives);
      if ('arguments' in field)
        for (const argument of field.arguments ?? [])
          read(`${coordinate}(${argument.name.value})`, argument.directives);
    }
  }
  return { weights, listSizes };
}
