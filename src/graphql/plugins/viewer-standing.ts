import { type ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { compileRead } from '../compiled-read/compile.js';
import type { Context } from '../context.js';
import { onOperation } from './operation-hooks.js';

/**
 * No operation acts for a remembered agent (auth/agent-memory.ts) before the agent is
 * confirmed: subscriptions and every operation the compiled read path does not answer look
 * the agent up first, as every request did before agents were remembered. A compiled read
 * confirms it in its own statement instead (compile.ts), which is the round trip memory saves.
 */
export function viewerStandingPlugin(): Plugin<Context> {
  return onOperation<Context>({
    refuse: (args) =>
      compileRead(args, args.contextValue.viewer) ? undefined : refusalUnlessStanding(args.contextValue),
  });
}

/**
 * Confirms the operation's viewer, in the context its resolvers get; the result to answer
 * with when it no longer stands (or cannot be checked).
 */
export async function refusalUnlessStanding(context: Context): Promise<ExecutionResult | undefined> {
  try {
    context.viewer = await context.confirmViewer(context.viewer);
    return undefined;
  } catch (error) {
    if (error instanceof GraphQLError) return { errors: [error] };
    throw error;
  }
}
