// TypeScript types and typed documents for src/graphql/*.graphql, generated from the API
// schema of the composed supergraph (the schema that the router serves).
import type { CodegenConfig } from '@graphql-codegen/cli';
import { apiSchemaSdl } from './scripts/api-schema.mjs';

const config: CodegenConfig = {
  schema: apiSchemaSdl(),
  documents: ['src/graphql/*.graphql'],
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
