import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { onOperation } from './operation-hooks.js';

// NUL cannot be stored in PostgreSQL text or jsonb, and a lone UTF-16 surrogate is not
// a character at all; either would otherwise fail deep inside a transaction.
const NUL = '\u0000';
const MAX_NESTING = 32;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function hasUnstorableText(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes(NUL) || LONE_SURROGATE.test(value);
  // Nothing legitimate nests this deep; refusing it also bounds this walk.
  if (depth > MAX_NESTING) return true;
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((item) => hasUnstorableText(item, depth + 1));
  return Object.entries(value).some(
    ([key, item]) => hasUnstorableText(key, depth + 1) || hasUnstorableText(item, depth + 1),
  );
}

type Coded = { message: string; extensions: Record<string, unknown> };

/** graphql-js reports bad variable values without a code; clients branch on codes. */
function codeVariableErrors(errors: readonly Coded[] | undefined): void {
  for (const error of errors ?? []) {
    if (error.extensions['code'] === undefined && /^Variable "\$/.test(error.message)) {
      (error.extensions as Record<string, unknown>)['code'] = 'BAD_USER_INPUT';
    }
  }
}

/**
 * Bad input, caught early and named: operations whose text or variables hold
 * characters no column can store are refused before parsing, and invalid variable
 * values carry BAD_USER_INPUT like every other input error.
 */
export function inputSanityPlugin(): Plugin {
  return {
    ...onOperation({ result: (result) => codeVariableErrors(result.errors as Coded[] | undefined) }),
    onParams({ params, setResult }) {
      if (hasUnstorableText(params.query) || hasUnstorableText(params.variables)) {
        setResult({
          errors: [
            createGraphQLError(
              `Strings must not contain NUL (\\u0000) characters or unpaired surrogates, and values must not nest deeper than ${MAX_NESTING} levels.`,
              {
                extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
              },
            ),
          ],
        });
      }
    },
  };
}
