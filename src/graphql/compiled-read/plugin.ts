import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import { refusalUnlessStanding } from '../plugins/viewer-standing.js';
import { compileRead } from './compile.js';
import { rawJsonResult } from './raw-json-result.js';

/**
 * Answers a query operation the compiled read path can answer (see compile.ts) with one SQL
 * statement that returns the response's data as JSON, instead of resolving it field by field.
 * It replaces only execution: parsing, validation, limits, cost, rate limits, the deadline
 * and masking stay yoga's, before and after it. Every other operation executes as before.
 */
export function compiledReadPlugin(): Plugin {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn(async (args) => {
        const context = args.contextValue as Context;
        const compiled = compileRead(args, context.viewer);
        if (!compiled) return executeFn(args);
        let data: string | null | undefined;
        try {
          const rows = await context.prisma.$queryRawUnsafe<{ data: string | null }[]>(
            compiled.sql,
            ...compiled.params,
          );
          data = rows[0]?.data;
        } catch (error) {
          // Masked like a resolver's error: an unreachable database still reads DATABASE_UNAVAILABLE.
          return {
            data: null,
            errors: [new GraphQLError((error as Error).message, { originalError: error as Error })],
          };
        }
        // Sent on as the text it is (raw-json-result.ts): no parse, no second serialisation.
        if (data != null) return rawJsonResult(data);
        // NULL: a guard failed (see compile.ts); the resolvers answer, with their refusal, for
        // the viewer as it stands now (a remembered agent may have been deactivated).
        return (await refusalUnlessStanding(context)) ?? executeFn(args);
      });
    },
  };
}
