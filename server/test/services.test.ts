// The embedded PostgreSQL and Redis that `npm start` runs: a restart on the same data
// directory keeps what was written (the "second npm start loses nothing" promise).
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startPostgres, startRedis } from '../src/dev/services.ts';
import { assertNoEviction, RedisEvictionPolicyError } from '../src/redis.ts';

// Under the test data directory: PostgreSQL runs as the postgres user, which cannot enter the
// private (0700) directories mkdtemp makes in /tmp.
async function scratchDir(prefix: string): Promise<string> {
  const dir = path.join(process.env.FLOWDECK_DATA_DIR!, 'scratch', `${prefix}${randomUUID().slice(0, 8)}`);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  return dir;
}

describe('embedded services', () => {
  it('PostgreSQL keeps its data across a stop and a start', async () => {
    const dir = path.join(await scratchDir('pg-'), 'pg');
    let svc = await startPostgres({ dataDir: dir });
    let c = new pg.Client({ connectionString: svc.url });
    await c.connect();
    await c.query('CREATE TABLE kept (v text)');
    await c.query("INSERT INTO kept VALUES ('hello')");
    await c.end();
    await svc.stop();
    svc = await startPostgres({ dataDir: dir });
    c = new pg.Client({ connectionString: svc.url });
    await c.connect();
    expect((await c.query('SELECT v FROM kept')).rows).toEqual([{ v: 'hello' }]);
    await c.end();
    await svc.stop();
  });

  it('Redis runs append-only without eviction and keeps its data across a restart', async () => {
    const dir = await scratchDir('redis-');
    let svc = await startRedis({ dataDir: dir });
    let r = new Redis(svc.url);
    expect(await r.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await r.config('GET', 'appendfsync')).toEqual(['appendfsync', 'everysec']);
    expect(await assertNoEviction(r)).toBe('noeviction');
    await r.set('kept', 'hello');
    r.disconnect();
    await svc.stop();
    svc = await startRedis({ dataDir: dir });
    r = new Redis(svc.url);
    expect(await r.get('kept')).toBe('hello');
    await r.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await expect(assertNoEviction(r)).rejects.toBeInstanceOf(RedisEvictionPolicyError);
    await r.config('SET', 'maxmemory-policy', 'volatile-lru');
    expect(await assertNoEviction(r)).toBe('volatile-lru');
    r.disconnect();
    await svc.stop();
  });
});
