import { randomFillSync } from 'node:crypto';
import { now, replayedId } from '../clock.js';

/**
 * A UUIDv7 (RFC 9562): the id Prisma's `@default(uuid(7))` gives, for rows the hot path
 * inserts in SQL of its own. Time-ordered, so new rows land at the end of their index.
 */
export function uuidv7(at = Date.now()): string {
  return uuidv7Of(randomBlock(), at);
}

/**
 * 16 random bytes from a pool filled 4 KiB at a time, as `crypto.randomUUID` does: a call
 * into OpenSSL per id showed in receiveQuote's profile.
 */
const randomPool = Buffer.alloc(16 * 256);
let poolOffset = randomPool.length;
function randomBlock(): Buffer {
  if (poolOffset === randomPool.length) {
    randomFillSync(randomPool);
    poolOffset = 0;
  }
  poolOffset += 16;
  return randomPool.subarray(poolOffset - 16, poolOffset);
}

/** The UUIDv7 at `at` (milliseconds) whose other bits are the first 16 `bytes` given (the seed hashes its own). */
export function uuidv7Of(bytes: Buffer, at: number): string {
  const id = Buffer.from(bytes.subarray(0, 16));
  id.writeUIntBE(at, 0, 6);
  id[6] = ((id[6] as number) & 0x0f) | 0x70;
  id[8] = ((id[8] as number) & 0x3f) | 0x80;
  const hex = id.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The id of a new row the domain inserts itself: a UUIDv7 at `now()`, or a replay's own (clock.ts). */
export function newRowId(kind: 'Operator' | 'Quote'): string {
  return replayedId(kind) ?? uuidv7(now().getTime());
}
