import { SpanStatusCode, trace } from '@opentelemetry/api';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { activeTracer } from './spans.js';

/**
 * Spans for GraphQL's parse, validate, context, execute and subscribe phases, as
 * children of the HTTP request's span (or a WebSocket operation's). Through yoga's
 * instrumentation API, so each phase's hooks and resolvers run inside its span and the
 * SQL they send nests under it.
 */
export function graphqlTracingPlugin(): Plugin {
  return {
    instrumentation: {
      parse: (_payload, wrapped) => inPhase('graphql.parse', wrapped),
      validate: (_payload, wrapped) => inPhase('graphql.validate', wrapped),
      context: (_payload, wrapped) => inPhase('graphql.context', wrapped),
      execute: (_payload, wrapped) => inPhase('graphql.execute', wrapped),
      subscribe: (_payload, wrapped) => inPhase('graphql.subscribe', wrapped),
    },
    onExecute({ args }) {
      const span = activeTracer() ? trace.getActiveSpan() : undefined;
      if (!span) return;
      const operation = getOperationAST(args.document, args.operationName);
      span.setAttributes({
        'graphql.operation.type': operation?.operation ?? 'unknown',
        ...(operation?.name ? { 'graphql.operation.name': operation.name.value } : {}),
      });
      return {
        onExecuteDone({ result }) {
          const errors = 'errors' in result ? result.errors : undefined;
          if (!errors?.length) return;
          span.setAttribute(
            'graphql.error.codes',
            errors.map((error) => String(error.extensions?.['code'] ?? 'UNKNOWN')),
          );
          span.setStatus({ code: SpanStatusCode.ERROR });
        },
      };
    },
  };
}

/** A span around a phase that may be synchronous (parse, validate) or not (execute). */
function inPhase<T>(name: string, wrapped: () => T): T {
  const tracer = activeTracer();
  if (!tracer) return wrapped();
  return tracer.startActiveSpan(name, (span) => {
    try {
      const result = wrapped();
      if (result instanceof Promise) {
        return result.then(
          (value) => {
            span.end();
            return value;
          },
          (error: unknown) => {
            span.setStatus({ code: SpanStatusCode.ERROR });
            span.end();
            throw error;
          },
        ) as T;
      }
      span.end();
      return result;
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      throw error;
    }
  });
}
