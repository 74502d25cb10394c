import { afterEach, describe, expect, it, vi } from 'vitest';
import { messageBytes, standInPayload } from '../src/websocket-payloads.js';

/** A `next` message as graphql-ws writes it: its own JSON.stringify of id, type and payload. */
const nextMessage = (id: string, payload: unknown) => JSON.stringify({ id, type: 'next', payload });
const text = (message: string | Buffer) => (typeof message === 'string' ? message : message.toString('utf8'));

describe('shared payloads on the WebSocket', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes each subscriber its own id around the result', () => {
    const result = { data: { activityFeed: { id: 'ev-1', note: 'quotes "in" — ✈' } } };
    for (const id of ['1', 'a "quoted" id', '✈-7']) {
      const written = messageBytes(nextMessage(id, standInPayload(result)));
      expect(JSON.parse(text(written))).toEqual({ id, type: 'next', payload: result });
    }
  });

  it('serialises a result once however many subscribers it goes to', () => {
    const result = { data: { activityFeed: { id: 'ev-2' } } };
    const stringify = vi.spyOn(JSON, 'stringify');
    const written = ['1', '2', '3'].map((id) => text(messageBytes(nextMessage(id, standInPayload(result)))));
    expect(stringify.mock.calls.filter(([value]) => value === result)).toHaveLength(1);
    expect(written.map((message) => JSON.parse(message).payload)).toEqual([result, result, result]);
  });

  it('leaves every other message as graphql-ws wrote it', () => {
    const lookalike = nextMessage('1', 'shared-payload:999999999');
    expect(messageBytes(lookalike)).toBe(lookalike);
    const complete = JSON.stringify({ id: '1', type: 'complete' });
    expect(messageBytes(complete)).toBe(complete);
  });

  it('hands a stand-in its bytes once', () => {
    const message = nextMessage('1', standInPayload({ data: { ok: true } }));
    expect(JSON.parse(text(messageBytes(message))).payload).toEqual({ data: { ok: true } });
    expect(messageBytes(message)).toBe(message);
  });
});
