import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { builder } from './builder.ts';

const MIN_INSTANT = new Date('0001-01-01T00:00:00Z').getTime();
const MAX_INSTANT = new Date('9999-12-31T23:59:59.999Z').getTime();

builder.scalarType('DateTime', {
  description: 'An instant as an ISO-8601 string with time zone, e.g. 2026-11-23T09:30:00.000Z.',
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(value as string).toISOString()),
  parseValue: (value) => {
    const d = typeof value === 'string' ? new Date(value) : new Date(NaN);
    if (Number.isNaN(d.getTime())) throw new GraphQLError('DateTime must be an ISO-8601 string', { extensions: { code: 'BAD_USER_INPUT' } });
    // A Date holds ±275,760 years, PostgreSQL timestamps less: out-of-range instants failed in a query.
    if (d.getTime() < MIN_INSTANT || d.getTime() > MAX_INSTANT) throw new GraphQLError('DateTime must be between years 1 and 9999', { extensions: { code: 'BAD_USER_INPUT' } });
    return d;
  },
});

function literalToJson(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value)]));
    case Kind.LIST:
      return ast.values.map(literalToJson);
    case Kind.NULL:
      return null;
    default:
      throw new GraphQLError('JSON literals cannot contain variables', { extensions: { code: 'BAD_USER_INPUT' } });
  }
}

builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast) => literalToJson(ast),
});

const DATE = /^\d{4}-\d{2}-\d{2}$/;

builder.scalarType('Date', {
  description: 'A calendar date, YYYY-MM-DD (no time, no zone).',
  serialize: (value) => (value instanceof Date ? value.toISOString().slice(0, 10) : String(value)),
  parseValue: (value) => {
    const d = typeof value === 'string' && DATE.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(NaN);
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
      throw new GraphQLError('Date must be a calendar date YYYY-MM-DD', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    return d;
  },
});
