import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';

/**
 * Trusted documents: only operations from a manifest (hash → document, as codegen's
 * client preset writes it) execute, addressed by `documentId` or the APQ-style
 * `extensions.persistedQuery.sha256Hash`. Anything else is refused before parsing.
 */
export function trustedDocumentsPlugin(manifestPath: string): Plugin {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, string>;
  return usePersistedOperations({
    allowArbitraryOperations: false,
    getPersistedOperation: (hash) => manifest[hash] ?? manifest[`sha256:${hash}`] ?? null,
    extractPersistedOperationId: (params) => {
      const fromExtensions = (params.extensions?.['persistedQuery'] as { sha256Hash?: unknown } | undefined)
        ?.sha256Hash;
      const documentId = (params as { documentId?: unknown }).documentId;
      if (typeof documentId === 'string') return documentId;
      return typeof fromExtensions === 'string' ? fromExtensions : null;
    },
    customErrors: {
      notFound: {
        message: 'Unknown document: only trusted documents may run here.',
        extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 400 } },
      },
      persistedQueryOnly: {
        message: 'Only trusted documents may run here: send documentId.',
        extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } },
      },
      keyNotFound: {
        message: 'Send the trusted document id as documentId.',
        extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } },
      },
    },
  });
}
