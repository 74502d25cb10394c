import type { InputObjectRef, ObjectRef } from '@pothos/core';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { SESSION_MUTATION_ERRORS } from './errors.js';

/** Input fields every session mutation shares, described once. */
export const SESSION_ID_DESCRIPTION = 'The session to act on (its global id).';
export const EXPECTED_VERSION_DESCRIPTION =
  'Refuse with StaleVersionError unless the session is still at this `version`; omit to skip the check.';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/**
 * Every workflow mutation has the same shape: one `input`, a payload, and the
 * domain errors as typed members of its result union. Resolvers stay thin.
 */
export function defineMutation<Input extends object, Payload extends object>(
  name: string,
  options: {
    description: string;
    input: InputObjectRef<Types, Input>;
    payload: ObjectRef<Types, Payload>;
    resolve: (input: Input, context: Context) => Promise<Payload>;
  },
) {
  builder.mutationField(name, (t) =>
    t.field({
      type: options.payload,
      description: options.description,
      errors: {
        types: SESSION_MUTATION_ERRORS,
        union: {
          description: `The result of \`${name}\`: its payload on success, or the typed error it ended in (nothing was written then).`,
        },
      },
      args: { input: t.arg({ type: options.input, required: true, description: 'What to do; see the input type.' }) },
      // Pothos cannot follow generic Input/Payload through its conditional arg types;
      // the signature of `options` above is what keeps callers type-safe.
      resolve: ((_root: unknown, args: { input: Input }, context: Context) =>
        options.resolve(args.input, context)) as never,
    }),
  );
}
