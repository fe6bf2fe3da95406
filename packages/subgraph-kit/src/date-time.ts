import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

function toIso(value: unknown): string | undefined {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  if (typeof value === 'string') {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  return undefined;
}

/** ISO-8601 date-times in UTC (the `DateTime` scalar of every subgraph); accepts Date objects from a store. */
export const dateTimeScalar = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  description: 'An ISO-8601 date-time string in UTC',
  serialize(value) {
    const iso = toIso(value);
    if (iso === undefined) throw new GraphQLError(`DateTime cannot represent ${String(value)}`);
    return iso;
  },
  parseValue(value) {
    const iso = toIso(value);
    if (iso === undefined)
      throw new GraphQLError(`DateTime expects an ISO-8601 string, got ${String(value)}`);
    return iso;
  },
  parseLiteral(ast) {
    const iso = ast.kind === Kind.STRING ? toIso(ast.value) : undefined;
    if (iso === undefined) throw new GraphQLError('DateTime expects an ISO-8601 string');
    return iso;
  },
});
