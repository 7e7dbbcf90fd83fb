import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, testDb } from '../../test/helpers.ts';
import type { StepError } from '../engine/steps/types.ts';
import { MetaGraphSimulator } from '../simulators/meta-graph.ts';
import { PancakePosSimulator } from '../simulators/pancake-pos.ts';
import { createDailySyncStep } from './daily-sync-step.ts';
import { makeStepContext } from './test-context.ts';

const db = testDb();
const DATES = ['2026-11-01', '2026-11-02', '2026-11-03'];
const meta = new MetaGraphSimulator().seed('5555', DATES, 3);
const pos = new PancakePosSimulator().seed(401, DATES.map((d) => new Date(`${d}T00:00:00+08:00`)), 3);
let step: ReturnType<typeof createDailySyncStep>;

beforeAll(async () => {
  await Promise.all([meta.start(), pos.start()]);
  step = createDailySyncStep({
    resolveMeta: async () => ({ baseUrl: meta.baseUrl, accessToken: 'EAAB-simulator-token' }),
    resolvePos: async () => ({ baseUrl: pos.baseUrl, apiKey: 'pos-simulator-key' }),
    metaClientOptions: { requestDelayMs: 0, backoffBaseMs: 1, maxRetries: 0 },
    posClientOptions: { requestDelayMs: 0, backoffBaseMs: 1, maxRetries: 0 },
  });
});
afterAll(async () => {
  await Promise.all([meta.stop(), pos.stop()]);
  await db.$disconnect();
});

/** Which day each data request asked for, in the order the two APIs received them. */
function daysRequested(fromSeq: number): string[] {
  const metaDays = meta.requests.filter((r) => r.seq > fromSeq && r.path.includes('/insights')).map((r) => ({ seq: r.seq, day: `meta ${JSON.parse(new URL(r.path, 'http://x').searchParams.get('time_range')!).since}` }));
  const posDays = pos.requests
    .filter((r) => r.seq > fromSeq && r.path.includes('/orders'))
    .map((r) => ({ seq: r.seq, day: `pos ${new Date(Number(new URL(r.path, 'http://x').searchParams.get('startDateTime')) * 1000 + 8 * 3600_000).toISOString().slice(0, 10)}` }));
  return [...metaDays, ...posDays].sort((a, b) => a.seq - b.seq).map((d) => d.day);
}

const lastSeq = () => Math.max(0, ...meta.requests.map((r) => r.seq), ...pos.requests.map((r) => r.seq));

describe('sales.daily.sync', () => {
  it('walks dates oldest first, Meta before POS for each date, and fails fast leaving earlier days complete', async () => {
    const tenant = await createTestTenant(db);
    const { ctx, progress } = makeStepContext(db, tenant, { dates: [...DATES].reverse() });
    let from = lastSeq();
    await step.run(ctx, {});
    expect(daysRequested(from)).toEqual(['meta 2026-11-01', 'pos 2026-11-01', 'meta 2026-11-02', 'pos 2026-11-02', 'meta 2026-11-03', 'pos 2026-11-03']);
    expect(progress).toMatchObject({ daysProcessed: 3, metaFetched: 9, posFetched: 9 });

    const second = makeStepContext(db, tenant, { dates: DATES });
    pos.fail(1, { status: 500, body: { message: 'boom' }, pathIncludes: '/orders' });
    from = lastSeq();
    const err = (await step.run(second.ctx, {}).catch((e: StepError) => e)) as StepError;
    expect(err.details).toMatchObject({ source: 'pos', date: '2026-11-01', shopId: '401', retryable: true });
    expect(daysRequested(from)).toEqual(['meta 2026-11-01', 'pos 2026-11-01']);
    expect(second.progress.daysProcessed).toBeUndefined();
  });
});
