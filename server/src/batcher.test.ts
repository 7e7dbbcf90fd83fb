import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.ts';

describe('Batcher', () => {
  it('writes the calls of one loop turn as one batch and answers each caller in order', async () => {
    const batches: number[][] = [];
    const b = new Batcher(async (items: number[]) => {
      batches.push(items);
      return items.map((i) => i * 10);
    });
    const first = await Promise.all([b.add(1), b.add(2), b.add(3)]);
    const second = await b.add(4);
    expect(first).toEqual([10, 20, 30]);
    expect(second).toBe(40);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('flushes at maxBatch without waiting for the turn to end', async () => {
    const batches: number[][] = [];
    const b = new Batcher(async (items: number[]) => (batches.push(items), items), 2);
    await Promise.all([1, 2, 3, 4, 5].map((i) => b.add(i)));
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('tries a failed batch one item at a time, so only the bad item fails', async () => {
    const batches: number[][] = [];
    const b = new Batcher(async (items: number[]) => {
      batches.push(items);
      if (items.includes(13)) throw new Error('unlucky');
      return items;
    });
    const results = await Promise.allSettled([12, 13, 14].map((i) => b.add(i)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'unlucky' });
    expect(batches).toEqual([[12, 13, 14], [12], [13], [14]]);
  });

  it('rejects every caller when a write answers for the wrong number of items', async () => {
    const b = new Batcher(async (items: number[]) => items.slice(1));
    const results = await Promise.allSettled([b.add(1), b.add(2)]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
  });
});
