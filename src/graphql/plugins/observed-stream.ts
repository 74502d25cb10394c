/** What an observer of a stream is told: each value as it passes, the end, and a failure. */
export type StreamObserver<T> = {
  next(value: T): void;
  /** The stream finished, or its reader let go; told at most once by the stream, so make it idempotent if `fail` ends too. */
  end(): void;
  fail(error: unknown): void;
};

/**
 * The stream, with every value, its end and its failure seen as they pass.
 *
 * Envelop's `onNext`, `onEnd` and `onSubscribeError` do the same in three wrapping
 * iterators, each adding its own promises to every value of every subscriber; this is
 * one layer and one `then` a value. Every subscriber's every event passes here.
 */
export function observeStream<T>(source: AsyncIterable<T>, observer: StreamObserver<T>): AsyncIterableIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    observer.end();
  };
  const passed = (result: IteratorResult<T>) => {
    if (result.done) end();
    else observer.next(result.value);
    return result;
  };
  const failed = (error: unknown): never => {
    observer.fail(error);
    throw error;
  };
  const observed: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]: () => observed,
    next: () => iterator.next().then(passed, failed),
    return: (value?: unknown) => {
      end();
      return iterator.return ? iterator.return(value) : Promise.resolve({ done: true, value: undefined });
    },
    throw: (error?: unknown) => {
      end();
      return iterator.throw ? iterator.throw(error) : Promise.reject(error);
    },
  };
  return observed;
}
