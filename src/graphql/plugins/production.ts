import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../../config.js';

/**
 * What production turns off or on: introspection (unless enabled), field
 * suggestions in errors ("Did you mean ...?" leaks the schema), and CSRF prevention
 * for requests a browser can send without a preflight.
 */
export function productionPlugins(config: Config): Plugin[] {
  const plugins: Plugin[] = [];
  if (!config.introspection) plugins.push(useDisableIntrospection(), blockFieldSuggestions());
  if (config.env === 'production') plugins.push(useCSRFPrevention({ requestHeaders: ['x-graphql-csrf'] }));
  return plugins;
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
    onExecute() {
      return {
        onExecuteDone({ result }) {
          if ('errors' in result && result.errors) result.errors.forEach(strip);
        },
      };
    },
    onSubscribe() {
      return {
        onSubscribeResult({ result }) {
          if ('errors' in result && result.errors) result.errors.forEach(strip);
        },
      };
    },
  };
}
