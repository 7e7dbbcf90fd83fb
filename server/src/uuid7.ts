// UUID v7 (RFC 9562) generated in JS: Prisma's uuid(7) default is client-side, so raw
// multi-row INSERTs must supply ids. Time-ordered ids keep the (createdAt, id) keyset order
// close to insertion order. Within one millisecond a 12-bit counter in rand_a keeps ids
// from one process increasing.
import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(8 * 1024);
let poolAt = pool.length;
let lastMs = -1;
let counter = 0;

function random(n: number): Buffer {
  if (poolAt + n > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const out = pool.subarray(poolAt, poolAt + n);
  poolAt += n;
  return out;
}

export function uuidv7(ms: number = Date.now()): string {
  if (ms > lastMs) {
    lastMs = ms;
    counter = random(2).readUInt16BE(0) & 0x3ff;
  } else if (++counter > 0xfff) {
    // Counter exhausted within this millisecond: borrow the next one rather than repeat.
    lastMs++;
    counter = 0;
  }
  const b = Buffer.alloc(16);
  b.writeUIntBE(lastMs, 0, 6);
  b[6] = 0x70 | (counter >> 8);
  b[7] = counter & 0xff;
  random(8).copy(b, 8);
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
