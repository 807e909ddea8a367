// TypeScript types and typed documents for the operations in src/graphql/ (and its subfolders),
// generated from the API schema of the composed supergraph (the schema that the router serves).
import { relative } from 'node:path';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { apiSchemaSdl } from './scripts/api-schema.mjs';
import { operationFiles } from './scripts/operation-files.mjs';

const config: CodegenConfig = {
  schema: apiSchemaSdl(),
  // The files check-operations.mjs checks, listed rather than globbed: the same list for both.
  // Relative: codegen reads each entry as a glob, and the checkout's own path may hold a [ or *.
  documents: operationFiles().map((file) => relative(process.cwd(), file)),
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // Decimal stays a string end to end: amounts are never rounded by a float.
        scalars: { Decimal: 'string', DateTime: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
  // Quiet: `npm run codegen` runs check-operations first, which names what does not fit.
  silent: true,
};

export default config;
