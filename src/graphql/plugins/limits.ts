import { type DocumentNode, GraphQLError, parse, type ValidationContext, type ValidationRule } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { LimitsConfig } from '../../config.js';
import { MAX_PAGE_SIZE, pageSizeError } from '../pagination.js';
import { onOperation } from './operation-hooks.js';
import { measureDocument, operationCost } from './operation-measure.js';

/**
 * Refuses abusive operations before they execute, each with a stable
 * `extensions.code`: too many tokens (at parse), too deep, too many aliases or
 * directives (at validation), too costly (with variables, just before execution).
 * One walk of each operation (operation-measure.ts) serves both checks.
 */
export function queryLimitsPlugin(limits: LimitsConfig): Plugin {
  return {
    onParse({ setParseFn }) {
      setParseFn((source, options) => {
        try {
          return parse(source, { ...options, maxTokens: limits.maxTokens });
        } catch (error) {
          // graphql 16 words it "more that N tokens"; accept the fixed spelling too.
          if (error instanceof GraphQLError && /more tha[nt] \d+ tokens/.test(error.message)) {
            throw limitError('TOO_MANY_TOKENS', `The document has more than ${limits.maxTokens} tokens.`);
          }
          throw error;
        }
      });
    },
    onValidate({ addValidationRule }) {
      addValidationRule(shapeRule(limits));
    },
    ...onOperation({
      refuse: (args) => {
        const refusal = costRefusal(limits, args);
        return refusal && { errors: [refusal] };
      },
    }),
  };
}

type OperationArgs =
  Parameters<typeof operationCost> extends [infer S, infer D, ...unknown[]]
    ? { schema: S; document: D; operationName?: string | null; variableValues?: Record<string, unknown> | null }
    : never;

function costRefusal(limits: LimitsConfig, args: OperationArgs): GraphQLError | undefined {
  const { cost, largestPage } = operationCost(args.schema, args.document, args.operationName, args.variableValues);
  // Also checked where each connection runs; here it stops a mutation before it commits
  // only to fail on its payload's page.
  if (largestPage && largestPage.size > MAX_PAGE_SIZE) {
    const { message, extensions } = pageSizeError(largestPage.argument, largestPage.size);
    return limitError(String(extensions['code']), message, extensions);
  }
  if (cost <= limits.maxCost) return undefined;
  return limitError(
    'QUERY_TOO_COSTLY',
    `The operation could produce ${cost} objects; at most ${limits.maxCost} are allowed. Ask for smaller pages.`,
    {
      cost,
      maximum: limits.maxCost,
    },
  );
}

function limitError(code: string, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return createGraphQLError(message, { extensions: { code, http: { status: 400 }, ...extra } });
}

/** Depth, aliases and directives, counted through fragments, for each operation. */
function shapeRule(limits: LimitsConfig): ValidationRule {
  return (context: ValidationContext) => ({
    Document(document: DocumentNode) {
      for (const shape of measureDocument(context.getSchema(), document).values()) {
        if (shape.depth > limits.maxDepth) {
          context.reportError(
            limitError(
              'QUERY_TOO_DEEP',
              `The operation is ${shape.depth} levels deep; at most ${limits.maxDepth} are allowed.`,
            ),
          );
        }
        if (shape.aliases > limits.maxAliases) {
          context.reportError(
            limitError(
              'TOO_MANY_ALIASES',
              `The operation uses ${shape.aliases} aliases; at most ${limits.maxAliases} are allowed.`,
            ),
          );
        }
        if (shape.directives > limits.maxDirectives) {
          context.reportError(
            limitError(
              'TOO_MANY_DIRECTIVES',
              `The operation uses ${shape.directives} directives; at most ${limits.maxDirectives} are allowed.`,
            ),
          );
        }
      }
      return false;
    },
  });
}
