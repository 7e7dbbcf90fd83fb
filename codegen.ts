// GraphQL Code Generator: typed documents for the dashboard from the committed schema.graphql.
// Run `pnpm -F @flowdeck/client codegen` after changing a document or the schema; the output in
// client/src/graphql/ is committed and server/test/client-codegen.test.ts fails when it is stale.
// FLOWDECK_CODEGEN_OUT lets that test generate into a scratch directory.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';

const root = path.dirname(fileURLToPath(import.meta.url));
const out = process.env.FLOWDECK_CODEGEN_OUT ?? path.join(root, 'client/src/graphql');

const config: CodegenConfig = {
  schema: path.join(root, 'schema.graphql'),
  documents: [path.join(root, 'client/src/**/*.{ts,tsx}'), `!${path.join(root, 'client/src/graphql/**')}`],
  ignoreNoDocuments: true,
  generates: {
    [`${out}/`]: {
      preset: 'client',
      // graphcache adds __typename to every selection before a request leaves; the persisted
      // documents must already carry it, since the server runs its own copy.
      documentTransforms: [addTypenameSelectionDocumentTransform],
      // Every document carries its SHA-256 (document.__meta__.hash) and persisted-documents.json maps
      // hash → document: the dashboard sends hashes only, and the server runs only what is listed
      // for keys restricted to persisted operations (server/src/graphql/plugins/use-persisted-documents.ts).
      presetConfig: { fragmentMasking: false, persistedDocuments: { mode: 'embedHashInDocument', hashPropertyName: 'hash', hashAlgorithm: 'sha256' } },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', Date: 'string', JSON: 'unknown' },
        defaultScalarType: 'unknown',
      },
    },
    [`${out}/embedded-types.ts`]: { plugins: [path.join(root, 'client/codegen/embedded-types.cjs')] },
  },
};
export default config;
