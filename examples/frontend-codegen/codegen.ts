import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for a frontend, from the server's checked-in contract: no running server and
 * no token (introspection needs one). In a frontend repository, point `schema` at a copy of
 * schema/schema.graphql (or its raw URL in this repository) and `documents` at your sources.
 */
const config: CodegenConfig = {
  schema: '../../schema/schema.graphql',
  documents: ['src/**/*.ts', '!src/gql/**'],
  // ESM imports with .js extensions, for NodeNext resolution; drop it for a bundler.
  emitLegacyCommonJSImports: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      config: {
        // How the server sends its scalars: money as decimal strings, times as ISO-8601 strings.
        scalars: { DateTime: 'string', Decimal: 'string', JSON: 'unknown' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
