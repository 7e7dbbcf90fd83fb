import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestTenant, testDb } from '../../../test/helpers.ts';
import { StepError } from '../../engine/steps/types.ts';
import { PancakePosSimulator } from '../../simulators/pancake-pos.ts';
import { makeStepContext } from '../test-context.ts';
import { createPosOrdersSyncStep, type PosConnection } from './sync-step.ts';

const db = testDb();
const DATES = ['2026-11-01', '2026-11-02', '2026-11-03'];
// Manila midnight of 2026-10-31 … 2026-11-04 (UTC+8), so the synced days have neighbours.
const manilaMidnights = ['2026-10-31', ...DATES, '2026-11-04'].map((d) => new Date(`${d}T00:00:00+08:00`));
let sim: PancakePosSimulator;
let conn: PosConnection;
const waits: number[] = [];
const step = createPosOrdersSyncStep({
  resolveConnection: async () => conn,
  clientOptions: { requestDelayMs: 0, backoffBaseMs: 2, maxRetryAfterMs: 20, pageSize: 10, onRateLimited: (i) => waits.push(i.waitMs) },
});

async function tenantWithCosts() {
  const tenant = await createTestTenant(db);
  await db.productCost.createMany({
    data: [
      { tenantId: tenant.id, shopId: '*', productId: 'p1', unitCost: 100 },
      { tenantId: tenant.id, shopId: '*', productId: 'v2', unitCost: 200 },
      { tenantId: tenant.id, shopId: '*', productId: 'p3', unitCost: 300 },
      { tenantId: tenant.id, shopId: '301', productId: 'p1', unitCost: 150 },
    ],
  });
  return tenant;
}

beforeAll(async () => {
  sim = new PancakePosSimulator().seed(301, manilaMidnights, 25).seed(302, manilaMidnights, 4);
  sim.orders.push({ id: 999_001, shop_id: 302, status: 1, status_name: 'confirmed', inserted_at: '2026-11-02T03:00:00', updated_at: '2026-11-02T03:00:00', total_price: 500, shipping_fee: 0, items: [], p_utm_campaign: 'june', p_utm_content: 'video_z', ad_id: null });
  await sim.start();
});
afterAll(async () => {
  await sim.stop();
  await db.$disconnect();
});
beforeEach(() => {
  sim.clearFaults();
  sim.switches.ignoreWindow = false;
  sim.switches.successFalse = false;
  sim.switches.timestampFormat = 'naive';
  sim.switches.statusNames = true;
  waits.length = 0;
  conn = { baseUrl: sim.baseUrl, apiKey: 'pos-simulator-key', adMapping: { video_z: 'ad-from-mapping' } };
});

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as StepError);

describe('pos.orders.sync against the Pancake POS simulator', () => {
  it('syncs each shop and day in the tenant zone with pagination, COGS and attribution; a re-run changes no counts', async () => {
    const tenant = await tenantWithCosts();
    const { ctx, progress, logs } = makeStepContext(db, tenant, { dates: DATES });
    const n = sim.requests.length;
    const out = (await step.run(ctx, {})) as { orders: number };
    expect(out.orders).toBe(3 * 25 + 3 * 4 + 1);
    expect(progress).toEqual({ posFetched: 88, daysProcessed: 3 });
    expect(sim.requests.slice(n).filter((r) => r.path.includes('/shops/301/orders')).length).toBe(9); // 3 pages × 3 days
    expect(await db.posOrder.count({ where: { tenantId: tenant.id } })).toBe(88);
    expect(await db.posStore.count({ where: { tenantId: tenant.id } })).toBe(2);

    // The first order of a Manila day was placed the previous UTC day.
    const first = sim.orders.find((o) => o.shop_id === 301 && o.inserted_at.startsWith('2026-11-01T16'))!;
    const row = await db.posOrder.findUniqueOrThrow({ where: { tenantId_shopId_orderId: { tenantId: tenant.id, shopId: '301', orderId: String(first.id) } } });
    expect(row.localDate.toISOString().slice(0, 10)).toBe('2026-11-02');
    expect(row.orderedAt.toISOString()).toBe(`${first.inserted_at}.000Z`);
    // item p1 ×1 at the shop's own cost 150 (not the "*" 100)
    expect(Number(row.cogs)).toBe(150);
    expect(Number(row.totalAmount)).toBe(1000);

    const inOtherShop = await db.posOrder.findFirstOrThrow({ where: { tenantId: tenant.id, shopId: '302', items: { array_contains: [{ productId: 'p1' }] } } });
    expect(Number(inOtherShop.cogs)).toBe(100);
    const variation = await db.posOrder.findFirstOrThrow({ where: { tenantId: tenant.id, shopId: '301', items: { array_contains: [{ variationId: 'v2' }] } } });
    expect(Number(variation.cogs)).toBe(400); // v2 ×2 at 200
    const withAd = await db.posOrder.findFirstOrThrow({ where: { tenantId: tenant.id, utmCampaign: 'leads_june' } });
    expect(withAd.adMapping).toMatch(/^12021/);
    expect(await db.posOrder.findFirstOrThrow({ where: { tenantId: tenant.id, orderId: '999001' } })).toMatchObject({ adMapping: 'ad-from-mapping', utmCampaign: 'june', utmContent: 'video_z' });
    expect(logs.some((l) => l.level === 'WARN' && /no ProductCost/.test(l.message))).toBe(true);

    const again = makeStepContext(db, tenant, { dates: DATES, executionId: ctx.executionId });
    await step.run(again.ctx, {});
    expect(await db.posOrder.count({ where: { tenantId: tenant.id } })).toBe(88);
    expect(await db.posStore.count({ where: { tenantId: tenant.id } })).toBe(2);
  });

  it('does not trust the date filter: orders outside the day are dropped', async () => {
    const tenant = await tenantWithCosts();
    sim.switches.ignoreWindow = true;
    const { ctx, logs } = makeStepContext(db, tenant, { dates: ['2026-11-02'] });
    await step.run(ctx, { shopIds: ['302'] });
    expect(await db.posOrder.count({ where: { tenantId: tenant.id } })).toBe(5);
    expect(logs.some((l) => l.level === 'WARN' && /outside the requested day/.test(l.message))).toBe(true);
  });

  it('reads zoned timestamps and orders without status names (unknown codes are kept, not fatal)', async () => {
    const tenant = await tenantWithCosts();
    sim.switches.timestampFormat = 'zulu';
    sim.switches.statusNames = false;
    const { ctx } = makeStepContext(db, tenant, { dates: ['2026-11-02'] });
    await step.run(ctx, { shopIds: ['302'] });
    const rows = await db.posOrder.findMany({ where: { tenantId: tenant.id }, orderBy: { orderedAt: 'asc' } });
    expect(rows).toHaveLength(5);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['1', '6']));
    expect(rows.every((r) => r.localDate.toISOString().startsWith('2026-11-02'))).toBe(true);
  });

  it('waits on 429 (Retry-After, capped), retries 5xx, and succeeds', async () => {
    const tenant = await tenantWithCosts();
    sim.fail(1, { status: 429, body: { message: 'Rate limit exceeded' }, headers: { 'retry-after': '30' }, pathIncludes: '/orders' });
    sim.fail(1, { status: 429, body: { message: 'Rate limit exceeded' }, pathIncludes: '/orders' });
    sim.fail(1, { status: 502, body: { message: 'bad gateway' }, pathIncludes: '/orders' });
    const { ctx } = makeStepContext(db, tenant, { dates: ['2026-11-02'] });
    await step.run(ctx, { shopIds: ['302'] });
    expect(waits[0]).toBe(20);
    expect(waits).toHaveLength(2);
    expect(await db.posOrder.count({ where: { tenantId: tenant.id } })).toBe(5);
  });

  it('fails fast with date, source and shop; transient vs permanent', async () => {
    const tenant = await tenantWithCosts();
    const { ctx } = makeStepContext(db, tenant, { dates: ['2026-11-01', '2026-11-02'] });
    sim.fail(4, { status: 503, body: { message: 'down' }, pathIncludes: '/shops/302/orders' });
    const e1 = await failure(step.run(ctx, {}));
    expect(e1.details).toMatchObject({ retryable: true, source: 'pos', date: '2026-11-01', shopId: '302', code: 503 });

    sim.switches.successFalse = true;
    const e2 = await failure(step.run(ctx, { shopIds: ['301'] }));
    expect(e2.details).toMatchObject({ retryable: false, source: 'pos', date: '2026-11-01', shopId: '301' });
    sim.switches.successFalse = false;

    conn = { ...conn, apiKey: 'wrong' };
    const n = sim.requests.length;
    const e3 = await failure(step.run(ctx, {}));
    expect(e3.details).toMatchObject({ retryable: false, code: 105, source: 'pos' });
    expect(sim.requests.length - n).toBe(1);
    conn = { ...conn, apiKey: 'pos-simulator-key' };
    const e4 = await failure(step.run(ctx, { shopIds: ['777'] }));
    expect(e4.details).toMatchObject({ retryable: false, code: 'UNKNOWN_SHOP', shopId: '777' });
  });

  it('stops between requests when cancelled', async () => {
    const tenant = await tenantWithCosts();
    const slow = createPosOrdersSyncStep({ resolveConnection: async () => conn, clientOptions: { requestDelayMs: 0, pageSize: 10, maxRetryAfterMs: 60_000 } });
    const { ctx, abort } = makeStepContext(db, tenant, { dates: DATES });
    sim.fail(1, { status: 429, body: {}, headers: { 'retry-after': '60' }, pathIncludes: '/orders' });
    setTimeout(() => abort.abort(), 100);
    const n = sim.requests.length;
    const err = await failure(slow.run(ctx, {}));
    expect(err.message).toMatch(/cancel/);
    expect(sim.requests.length - n).toBe(2); // shops + the rate-limited page
    expect(await db.posOrder.count({ where: { tenantId: tenant.id } })).toBe(0);
  });
});
