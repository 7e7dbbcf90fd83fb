import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestTenant, testDb } from '../../../test/helpers.ts';
import { StepError } from '../../engine/steps/types.ts';
import { MetaGraphSimulator } from '../../simulators/meta-graph.ts';
import { makeStepContext } from '../test-context.ts';
import { createMetaInsightsSyncStep, leadsFrom, marketingAssociate, type MetaConnection } from './sync-step.ts';

const db = testDb();
const DATES = ['2026-11-01', '2026-11-02', '2026-11-03'];
let sim: MetaGraphSimulator;
let conn: MetaConnection;
const throttles: Array<{ code?: number; waitMs: number; requestedMs: number }> = [];
const step = createMetaInsightsSyncStep({
  resolveConnection: async () => conn,
  clientOptions: { requestDelayMs: 0, backoffBaseMs: 2, maxThrottleWaitMs: 20, maxRetries: 3, onThrottle: (i) => throttles.push(i) },
});

beforeAll(async () => {
  sim = new MetaGraphSimulator().seed('1111', DATES, 60).seed('2222', DATES, 4);
  await sim.start();
});
afterAll(async () => {
  await sim.stop();
  await db.$disconnect();
});
beforeEach(() => {
  sim.clearFaults();
  throttles.length = 0;
  sim.switches.maxPageSize = 500;
  sim.switches.goneAdIds.clear();
  sim.switches.usagePct = 12;
  conn = { baseUrl: sim.baseUrl, accessToken: 'EAAB-simulator-token' };
});

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as StepError);

describe('meta.insights.sync against the Graph simulator', () => {
  it('syncs every account and day with pagination and ≤50-id status batches; a re-run changes no counts', async () => {
    const tenant = await createTestTenant(db);
    sim.switches.maxPageSize = 7;
    const { ctx, progress } = makeStepContext(db, tenant, { dates: DATES });
    const n = sim.requests.length;
    const out = (await step.run(ctx, {})) as { rows: number };
    expect(out.rows).toBe(64 * 3);
    expect(progress).toEqual({ metaFetched: 192, daysProcessed: 3 });
    const reqs = sim.requests.slice(n);
    expect(reqs.filter((r) => r.path.includes('/insights') && r.path.includes('after=')).length).toBeGreaterThan(10);
    const idBatches = reqs.filter((r) => r.path.startsWith('/v23.0/?ids=')).map((r) => new URL(r.path, 'http://x').searchParams.get('ids')!.split(',').length);
    expect(Math.max(...idBatches)).toBeLessThanOrEqual(50);
    expect(idBatches.filter((b) => b === 50).length).toBe(3); // account 1111: 60 ads → 50 + 10 per day

    expect(await db.metaAdInsight.count({ where: { tenantId: tenant.id } })).toBe(192);
    expect(await db.metaAdAccount.count({ where: { tenantId: tenant.id } })).toBe(2);
    const row = await db.metaAdInsight.findFirstOrThrow({ where: { tenantId: tenant.id, accountId: '1111', adId: '11110005', date: new Date('2026-11-02T00:00:00Z') } });
    const src = sim.insights.find((r) => r.ad_id === '11110005' && r.date === '2026-11-02')!;
    expect(row).toMatchObject({ adStatus: 'PAUSED', marketingAssociate: 'ana', adName: 'VN_leads_video5_ana_v1', leads: Number(src.actions![1]!.value), impressions: BigInt(src.impressions) });
    expect(row.spend.toString()).toBe(String(Number(src.spend)));

    const before = await db.metaAdInsight.count({ where: { tenantId: tenant.id } });
    const again = makeStepContext(db, tenant, { dates: DATES, executionId: ctx.executionId });
    await step.run(again.ctx, {});
    expect(await db.metaAdInsight.count({ where: { tenantId: tenant.id } })).toBe(before);
    expect(await db.metaAdAccount.count({ where: { tenantId: tenant.id } })).toBe(2);
  });

  it('waits out every throttling code (HTTP 400 and 429), capped, using the usage header or Retry-After', async () => {
    const tenant = await createTestTenant(db);
    const patient = createMetaInsightsSyncStep({ resolveConnection: async () => conn, clientOptions: { requestDelayMs: 0, maxThrottleWaitMs: 20, maxRetries: 5, onThrottle: (i) => throttles.push(i) } });
    sim.throttle(1, { code: 4 }).throttle(1, { code: 17, etaMinutes: 2 }).throttle(1, { code: 613 }).throttle(1, { code: 80000, etaMinutes: 5 }).throttle(1, { code: 80004, status: 429, retryAfter: 7 });
    const { ctx, logs } = makeStepContext(db, tenant, { dates: ['2026-11-01'] });
    await patient.run(ctx, { accountIds: ['2222'] });
    expect(throttles.map((t) => t.code)).toEqual([4, 17, 613, 80000, 80004]);
    expect(throttles.map((t) => t.requestedMs)).toEqual([60_000, 120_000, 60_000, 300_000, 7_000]);
    expect(throttles.every((t) => t.waitMs === 20)).toBe(true);
    expect(logs.filter((l) => l.level === 'WARN' && /throttled/.test(l.message))).toHaveLength(5);
    expect(await db.metaAdInsight.count({ where: { tenantId: tenant.id } })).toBe(4);
  });

  it('fails fast with a retryable error carrying date, source and account when throttling persists', async () => {
    const tenant = await createTestTenant(db);
    const { ctx } = makeStepContext(db, tenant, { dates: ['2026-11-01', '2026-11-02'] });
    const n = sim.requests.length;
    sim.fail(10, { status: 400, body: { error: { message: '(#17) User request limit reached', type: 'OAuthException', code: 17, is_transient: true } }, pathIncludes: '/act_2222/insights' });
    const err = await failure(step.run(ctx, { accountIds: ['2222'] }));
    expect(err.details).toMatchObject({ retryable: true, source: 'meta', date: '2026-11-01', accountId: '2222', code: 17 });
    expect(sim.requests.slice(n).filter((r) => r.path.includes('/insights')).length).toBe(4); // 1 + 3 retries
  });

  it('treats permanent errors as permanent: bad token (190), bad request (100)', async () => {
    const tenant = await createTestTenant(db);
    const { ctx } = makeStepContext(db, tenant, { dates: ['2026-11-01'] });
    conn = { ...conn, accessToken: 'bad' };
    for (const status of [400, 401] as const) {
      sim.switches.tokenErrorStatus = status;
      const n = sim.requests.length;
      const e1 = await failure(step.run(ctx, {}));
      expect(e1.details).toMatchObject({ retryable: false, code: 190, source: 'meta' });
      expect(sim.requests.length - n).toBe(1);
    }
    conn = { ...conn, accessToken: 'EAAB-simulator-token' };
    sim.fail(1, { status: 400, body: { error: { message: '(#100) Invalid parameter', type: 'OAuthException', code: 100 } }, pathIncludes: '/act_1111/insights' });
    const e2 = await failure(step.run(ctx, {}));
    expect(e2.details).toMatchObject({ retryable: false, code: 100, date: '2026-11-01', accountId: '1111' });
    const e3 = await failure(step.run(ctx, { accountIds: ['9999'] }));
    expect(e3.details).toMatchObject({ retryable: false, code: 'UNKNOWN_ACCOUNT', accountId: '9999' });
  });

  it('drops ids that no longer resolve (#803 and #100 forms) and keeps the rest of the batch', async () => {
    for (const form of [803, 100] as const) {
      const tenant = await createTestTenant(db);
      sim.switches.unknownIdError = form;
      sim.switches.goneAdIds.add('22220002');
      const { ctx } = makeStepContext(db, tenant, { dates: ['2026-11-01'] });
      await step.run(ctx, { accountIds: ['2222'] });
      const rows = await db.metaAdInsight.findMany({ where: { tenantId: tenant.id }, orderBy: { adId: 'asc' } });
      expect(rows.map((r) => [r.adId, r.adStatus])).toEqual([['22220001', 'ACTIVE'], ['22220002', null], ['22220003', 'ACTIVE'], ['22220004', 'ACTIVE']]);
    }
  });

  it('stops between requests when cancelled, even mid-wait', async () => {
    const tenant = await createTestTenant(db);
    const slow = createMetaInsightsSyncStep({ resolveConnection: async () => conn, clientOptions: { requestDelayMs: 0, maxThrottleWaitMs: 60_000 } });
    const { ctx, abort } = makeStepContext(db, tenant, { dates: DATES });
    sim.throttle(1, { code: 80000, etaMinutes: 1 });
    const started = Date.now();
    setTimeout(() => abort.abort(), 100);
    const n = sim.requests.length;
    const err = await failure(slow.run(ctx, {}));
    expect(err.message).toMatch(/cancel/);
    expect(err.details.retryable).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(sim.requests.length - n).toBe(1);
  });

  it('slows down once the usage headers pass 75 %', async () => {
    const tenant = await createTestTenant(db);
    const slowDowns: number[] = [];
    const watchful = createMetaInsightsSyncStep({ resolveConnection: async () => conn, clientOptions: { requestDelayMs: 0, slowDownMs: 5, onSlowDown: (i) => slowDowns.push(i.usagePct) } });
    const { ctx } = makeStepContext(db, tenant, { dates: ['2026-11-01'] });
    await watchful.run(ctx, { accountIds: ['2222'] });
    expect(slowDowns).toEqual([]);
    sim.switches.usagePct = 80;
    await watchful.run(ctx, { accountIds: ['2222'] });
    expect(slowDowns.length).toBeGreaterThan(0);
    expect(slowDowns.every((p) => p === 80)).toBe(true);
  });

  it('treats a day without delivery (no rows) as no data, not an error', async () => {
    const tenant = await createTestTenant(db);
    const { ctx, progress } = makeStepContext(db, tenant, { dates: ['2026-10-15'] });
    expect(await step.run(ctx, {})).toMatchObject({ rows: 0, days: 1 });
    expect(progress.daysProcessed).toBe(1);
    expect(await db.metaAdInsight.count({ where: { tenantId: tenant.id } })).toBe(0);
  });

  it('the simulator accepts both time_range quote styles and enforces the 50-id cap', async () => {
    const base = `${sim.baseUrl}/act_2222/insights?level=ad&time_increment=1&fields=ad_id,spend&access_token=EAAB-simulator-token`;
    const dq = await (await fetch(`${base}&time_range=${encodeURIComponent('{"since":"2026-11-01","until":"2026-11-01"}')}`)).json();
    const sq = await (await fetch(`${base}&time_range=${encodeURIComponent("{'since':'2026-11-01','until':'2026-11-01'}")}`)).json();
    expect(sq.data).toEqual(dq.data);
    expect(dq.data).toHaveLength(4);
    const ids = Array.from({ length: 54 }, (_, i) => `1111${String(i + 1).padStart(4, '0')}`).join(',');
    const res = await fetch(`${sim.baseUrl}/?ids=${ids}&fields=id&access_token=EAAB-simulator-token`);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: 100, message: '(#100) Too many IDs. Maximum: 50. Provided: 54.' });
  });

  it('derives associate and leads', () => {
    expect(marketingAssociate('VN_leads_video_ana_v1')).toBe('ana');
    expect(marketingAssociate('short_name')).toBeNull();
    expect(leadsFrom([{ action_type: 'onsite_conversion.lead_grouped', value: '4' }, { action_type: 'lead', value: '5' }])).toBe(5);
    expect(leadsFrom([{ action_type: 'onsite_conversion.lead_grouped', value: '4' }])).toBe(4);
    expect(leadsFrom([{ action_type: 'lead', value: '5' }], 'offsite_conversion.fb_pixel_lead')).toBe(0);
    expect(leadsFrom(undefined)).toBe(0);
  });
});
