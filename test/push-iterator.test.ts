import { describe, expect, it } from 'vitest';
import { PushIterator } from '../src/modules/activity/push-iterator.js';

/** The queue every subscriber's events and results pass through (event-stream.ts, event-delivery.ts). */
describe('PushIterator', () => {
  it('starts at the first next(), not before', async () => {
    let started = 0;
    const values = new PushIterator<number>(2, () => started++);
    expect(started).toBe(0);
    const first = values.next();
    expect(started).toBe(1);
    values.push(1);
    expect(await first).toEqual({ done: false, value: 1 });
    void values.next();
    expect(started).toBe(1);
  });

  it('hands over values in order, refuses pushes past its capacity, and makes room as they are taken', async () => {
    const values = new PushIterator<number>(2);
    expect(values.push(1)).toBe(true);
    expect(values.push(2)).toBe(true);
    expect(values.full).toBe(true);
    expect(values.push(3)).toBe(false);
    let room = false;
    void values.waitForRoom().then(() => {
      room = true;
    });
    expect(await values.next()).toEqual({ done: false, value: 1 });
    await Promise.resolve();
    expect(room).toBe(true);
    expect(values.push(3)).toBe(true);
    expect(await values.next()).toEqual({ done: false, value: 2 });
    expect(await values.next()).toEqual({ done: false, value: 3 });
  });

  it('gives the reader everything waiting before the error that ended it, then the end', async () => {
    const values = new PushIterator<number>(5);
    values.push(1);
    values.push(2);
    values.fail(new Error('too slow'));
    expect(values.push(3)).toBe(false);
    expect(await values.next()).toEqual({ done: false, value: 1 });
    expect(await values.next()).toEqual({ done: false, value: 2 });
    await expect(values.next()).rejects.toThrow('too slow');
    expect(await values.next()).toEqual({ done: true, value: undefined });
  });

  it('ends a waiting reader at once, with the error when there is one', async () => {
    const failing = new PushIterator<number>(1);
    const waiting = failing.next();
    failing.fail(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    const ending = new PushIterator<number>(1);
    const pending = ending.next();
    ending.end();
    expect(await pending).toEqual({ done: true, value: undefined });
  });

  it('delivers a last value past its capacity before the end', async () => {
    const values = new PushIterator<string>(1);
    values.push('result');
    values.finish('error');
    expect(await values.next()).toEqual({ done: false, value: 'result' });
    expect(await values.next()).toEqual({ done: false, value: 'error' });
    expect(await values.next()).toEqual({ done: true, value: undefined });
  });

  it('runs its stop callbacks once, whoever ends it, and drops what waits when the reader lets go', async () => {
    const values = new PushIterator<number>(3);
    let stops = 0;
    values.onStop(() => stops++);
    values.push(1);
    let room = false;
    values.push(2);
    values.push(3);
    void values.waitForRoom().then(() => {
      room = true;
    });
    expect(await values.return()).toEqual({ done: true, value: undefined });
    values.end();
    expect(stops).toBe(1);
    await Promise.resolve();
    expect(room).toBe(true);
    expect(await values.next()).toEqual({ done: true, value: undefined });
    let late = 0;
    values.onStop(() => late++);
    expect(late).toBe(1);
  });

  it('keeps its order across many values taken in bursts', async () => {
    const values = new PushIterator<number>(10_000);
    const taken: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 3_000; i++) values.push(round * 3_000 + i);
      for (let i = 0; i < 2_500; i++) taken.push((await values.next()).value as number);
    }
    values.end();
    for (let next = await values.next(); !next.done; next = await values.next()) taken.push(next.value);
    expect(taken).toEqual(Array.from({ length: 15_000 }, (_, i) => i));
  });
});
