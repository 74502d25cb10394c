import type { ExecutionArgs, ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export type OperationArgs<TContext> = Omit<ExecutionArgs, 'contextValue'> & { contextValue: TContext };

/** What a plugin does alike for queries and mutations (execute) and subscriptions (subscribe). */
export type OperationHooks<TContext> = {
  /** Before the operation runs: a result returned here is the answer, and the operation never runs. */
  refuse?: (args: OperationArgs<TContext>) => ExecutionResult | undefined | Promise<ExecutionResult | undefined>;
  /** Runs the operation (a subscription: the start of its stream) inside `run`'s caller, e.g. an AsyncLocalStorage. */
  around?: <T>(args: OperationArgs<TContext>, run: () => T) => T;
  /** Sees a single result: execution's, or a subscription's that ended before any stream began. */
  result?: (result: ExecutionResult) => void;
};

/**
 * Registers the same hooks for `onExecute` and `onSubscribe`, so a plugin that treats
 * every operation alike says so once instead of copying one hook into the other.
 */
export function onOperation<TContext extends object = object>(
  hooks: OperationHooks<TContext>,
): Pick<Plugin<TContext>, 'onExecute' | 'onSubscribe'> {
  const { refuse, around, result } = hooks;
  const single = (value: unknown): value is ExecutionResult =>
    typeof value === 'object' && value !== null && !(Symbol.asyncIterator in value);
  /** Synchronous when `refuse` is, so a plugin that never awaits adds no tick to every operation. */
  const start = (args: OperationArgs<TContext>, stop: (answer: ExecutionResult) => void): Promise<void> | undefined => {
    const answer = refuse?.(args);
    if (answer instanceof Promise) {
      return answer.then((settled) => {
        if (settled) stop(settled);
      });
    }
    if (answer) stop(answer);
    return undefined;
  };
  return {
    onExecute({ args, executeFn, setExecuteFn, setResultAndStopExecution }) {
      if (around) setExecuteFn((next) => around(next as OperationArgs<TContext>, () => executeFn(next)));
      const started = start(args, setResultAndStopExecution);
      const done = result && {
        onExecuteDone({ result: value }: { result: unknown }) {
          if (single(value)) result(value);
        },
      };
      return started ? started.then(() => done || undefined) : done || undefined;
    },
    onSubscribe({ args, subscribeFn, setSubscribeFn, setResultAndStopExecution }) {
      if (around) setSubscribeFn((next) => around(next as OperationArgs<TContext>, () => subscribeFn(next)));
      const started = start(args, setResultAndStopExecution);
      const done = result && {
        onSubscribeResult({ result: value }: { result: unknown }) {
          if (single(value)) result(value);
        },
      };
      return started ? started.then(() => done || undefined) : done || undefined;
    },
  };
}
