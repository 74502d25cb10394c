import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import type { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { Config } from '../../config.js';
import { onOperation } from './operation-hooks.js';

/**
 * What production turns off or on: introspection (unless enabled), field
 * suggestions in errors ("Did you mean ...?" leaks the schema), and CSRF prevention
 * for requests a browser can send without a preflight.
 */
export function productionPlugins(config: Config): Plugin[] {
  const plugins: Plugin[] = [];
  if (!config.introspection) plugins.push(useDisableIntrospection(), blockFieldSuggestions());
  if (config.env === 'production') {
    plugins.push(useCSRFPrevention({ requestHeaders: ['x-graphql-csrf'] }), withoutParserDetail());
  }
  return plugins;
}

/**
 * Yoga answers a body that is not JSON with the parser's message under
 * `extensions.originalError`, and that message quotes the body back. In production
 * the answer is rebuilt from the fixed message, code and status alone.
 */
function withoutParserDetail(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result) || !result.errors) return;
      const errors = result.errors as readonly GraphQLError[];
      if (!errors.some((error) => error.extensions && 'originalError' in error.extensions)) return;
      setResult({
        ...result,
        errors: errors.map((error) => {
          const { originalError: _detail, http, ...extensions } = error.extensions as Record<string, unknown>;
          const status = (http as { status?: number } | undefined)?.status;
          return createGraphQLError(error.message, { extensions: { ...extensions, http: { status } } });
        }),
      });
    },
  };
}
/** Suggestions come from validation and, for variable values, from execution. */
function blockFieldSuggestions(): Plugin {
  const strip = <T extends { message: string }>(error: T): T => {
    if (/Did you mean/.test(error.message)) {
      Object.defineProperty(error, 'message', { value: error.message.replace(/ ?Did you mean[^?]*\?/g, '') });
    }
    return error;
  };
  return {
    onValidate() {
      return ({ result, setResult }) => {
        if (result.length > 0) setResult(result.map(strip));
      };
    },
    ...onOperation({ result: (result) => result.errors?.forEach(strip) }),
  };
}
