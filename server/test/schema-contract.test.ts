// The contract partners rely on (schema.graphql):
// - every type, field, argument and enum value has a description — graphql-eslint's
//   require-description rule, run here through ESLint so `npm test` (CI) enforces it;
// - no breaking change against the released schema (docs/schema/released.graphql) unless
//   docs/schema/breaking-changes.json lists it with a reason — GraphQL Inspector's diff;
// - every deprecation says why and what to use instead (@deprecated(reason:)).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import graphqlPlugin from '@graphql-eslint/eslint-plugin';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { ESLint } from 'eslint';
import { buildSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCHEMA = path.join(ROOT, 'schema.graphql');
const RELEASED = path.join(ROOT, 'docs/schema/released.graphql');
const ALLOWED = path.join(ROOT, 'docs/schema/breaking-changes.json');

const REQUIRE_DESCRIPTION = ['error', { types: true, rootField: true, FieldDefinition: true, InputValueDefinition: true, EnumValueDefinition: true, DirectiveDefinition: true }] as const;

/** ESLint with only graphql-eslint's require-description, over `schema` (a file path or SDL). */
function linter(schema: string) {
  return new ESLint({
    cwd: ROOT,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.graphql'],
        languageOptions: { parser: graphqlPlugin.parser, parserOptions: { graphQLConfig: { schema } } },
        plugins: { '@graphql-eslint': graphqlPlugin as never },
        rules: { '@graphql-eslint/require-description': REQUIRE_DESCRIPTION as never },
      },
    ],
  });
}

describe('schema.graphql', () => {
  it('describes every type, field, argument and enum value (graphql-eslint require-description)', async () => {
    const [result] = await linter(SCHEMA).lintFiles([SCHEMA]);
    const problems = result!.messages.map((m) => `schema.graphql:${m.line}:${m.column} ${m.message}`);
    expect(problems).toEqual([]);
  });

  it('the rule reports what it should (a check that cannot pass vacuously)', async () => {
    const sdl = '"""Reads."""\ntype Query {\n  """Described."""\n  a(x: Int): Thing\n}\n\ntype Thing {\n  b: String\n}\n\n"""Kinds."""\nenum K {\n  """One."""\n  ONE\n  TWO\n}\n';
    const [result] = await linter(sdl).lintText(sdl, { filePath: path.join(ROOT, 'probe.graphql') });
    expect(result!.messages.map((m) => m.message).sort()).toEqual(
      [
        'Description is required for input value "x" in field "a"',
        'Description is required for enum value "TWO" in enum "K"',
        'Description is required for field "b" in type "Thing"',
        'Description is required for type "Thing"',
      ].sort(),
    );
  });

  it('has no breaking change against the released schema that docs/schema/breaking-changes.json does not list with a reason', async () => {
    const allowed = JSON.parse(readFileSync(ALLOWED, 'utf8')) as { type: string; path: string; reason: string }[];
    for (const a of allowed) expect(a.reason?.trim(), `${a.type} ${a.path} needs a reason`).toBeTruthy();
    const changes = await diff(buildSchema(readFileSync(RELEASED, 'utf8')), buildSchema(readFileSync(SCHEMA, 'utf8')));
    const breaking = changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking);
    const unlisted = breaking.filter((c) => !allowed.some((a) => a.type === c.type && a.path === c.path)).map((c) => `${c.type} ${c.path}: ${c.message}`);
    expect(unlisted).toEqual([]);
  });

  it('the breaking-change check catches a removed field and a new required argument', async () => {
    const before = buildSchema('type Query { a: String b(x: Int): String }');
    const after = buildSchema('type Query { b(x: Int, y: Int!): String }');
    const breaking = (await diff(before, after)).filter((c) => c.criticality.level === CriticalityLevel.Breaking).map((c) => c.type);
    expect(breaking.sort()).toEqual(['FIELD_ARGUMENT_ADDED', 'FIELD_REMOVED'].sort());
  });

  it('gives every deprecation a reason that says what to do instead', () => {
    const schema: GraphQLSchema = buildSchema(readFileSync(SCHEMA, 'utf8'));
    const weak: string[] = [];
    const check = (where: string, reason: string | null | undefined) => {
      if (reason !== undefined && reason !== null && (reason.trim().length < 10 || reason === 'No longer supported')) weak.push(`${where}: "${reason}"`);
    };
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          check(`${type.name}.${field.name}`, field.deprecationReason);
          for (const arg of 'args' in field ? field.args : []) check(`${type.name}.${field.name}(${arg.name})`, arg.deprecationReason);
        }
      }
      if (isEnumType(type)) for (const v of type.getValues()) check(`${type.name}.${v.name}`, v.deprecationReason);
    }
    expect(weak).toEqual([]);
  });
});
