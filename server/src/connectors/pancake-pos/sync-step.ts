// `pos.orders.sync`: for each date (oldest first) and each of the tenant's shops, the orders
// created that day in the tenant's zone, with COGS from ProductCost (a shop's own cost wins over
// the "*" default; variation before product) and attribution, upserted on (tenant, shop, order id).
import { DateTime } from 'luxon';
import type { StepContext, StepRunner } from '../../engine/steps/types.ts';
import { StepError } from '../../engine/steps/types.ts';
import { bulkUpsert, type Column } from '../bulk-upsert.ts';
import { CancelledError } from '../http.ts';
import { syncDates } from '../sync-dates.ts';
import { PosApiError, PosClient, type PosApiOrder, type PosClientOptions, type PosShop } from './pos-client.ts';

export interface PosConnection {
  baseUrl: string;
  apiKey: string;
  shopIds?: string[];
  /** utm_content or utm_campaign → ad/campaign label, for orders that carry no ad_id. */
  adMapping?: Record<string, string>;
}

export interface PosSyncConfig {
  shopIds?: string[];
}

export interface PosSyncDeps {
  resolveConnection(ctx: StepContext): Promise<PosConnection>;
  clientOptions?: Partial<PosClientOptions>;
}

const SOURCE = 'pos';

const ORDER_COLUMNS: Column[] = [
  { name: 'tenantId', type: 'uuid' },
  { name: 'shopId', type: 'text' },
  { name: 'orderId', type: 'text' },
  { name: 'status', type: 'text' },
  { name: 'orderedAt', type: 'timestamptz' },
  { name: 'localDate', type: 'date' },
  { name: 'totalAmount', type: 'numeric' },
  { name: 'cogs', type: 'numeric' },
  { name: 'itemCount', type: 'int' },
  { name: 'items', type: 'jsonb' },
  { name: 'adMapping', type: 'text' },
  { name: 'utmCampaign', type: 'text' },
  { name: 'utmContent', type: 'text' },
  { name: 'executionId', type: 'uuid' },
  { name: 'syncedAt', type: 'timestamptz' },
];

export function posStepError(err: unknown, where: { date?: string; shopId?: string }): StepError {
  if (err instanceof StepError) return err;
  if (err instanceof CancelledError) return new StepError('cancelled', { retryable: false, source: SOURCE, ...where });
  const at = [where.date && `date ${where.date}`, where.shopId && `shop ${where.shopId}`].filter(Boolean).join(', ');
  if (err instanceof PosApiError) return new StepError(`${err.message}${at ? ` (${at})` : ''}`, { retryable: err.transient, source: SOURCE, code: err.code ?? err.status, ...where });
  return new StepError(`${(err as Error)?.message ?? String(err)}${at ? ` (${at})` : ''}`, { retryable: true, source: SOURCE, ...where });
}

/** Unit costs for one shop: shop-specific entries override the tenant-wide "*" ones. */
export async function loadCosts(ctx: StepContext, shopId: string): Promise<Map<string, number>> {
  const rows = await ctx.db.productCost.findMany({ where: { tenantId: ctx.tenantId, shopId: { in: ['*', shopId] } } });
  const costs = new Map<string, number>();
  for (const r of rows.filter((r) => r.shopId === '*')) costs.set(r.productId, Number(r.unitCost));
  for (const r of rows.filter((r) => r.shopId === shopId)) costs.set(r.productId, Number(r.unitCost));
  return costs;
}

export function orderCogs(order: PosApiOrder, costs: Map<string, number>): { cogs: number; missing: number } {
  let cogs = 0;
  let missing = 0;
  for (const item of order.items ?? []) {
    const cost = (item.variation_id !== undefined ? costs.get(item.variation_id) : undefined) ?? (item.product_id !== undefined ? costs.get(item.product_id) : undefined);
    if (cost === undefined) missing++;
    else cogs += cost * (Number(item.quantity) || 0);
  }
  return { cogs: Math.round(cogs * 10_000) / 10_000, missing };
}

export class PosSync {
  constructor(
    private readonly ctx: StepContext,
    private readonly client: PosClient,
    private readonly conn: PosConnection,
  ) {}

  async shops(only: string[] | undefined): Promise<PosShop[]> {
    const { db, tenantId } = this.ctx;
    let shops = await this.client.listShops().catch((err) => {
      throw posStepError(err, {});
    });
    if (only?.length) {
      const missing = only.filter((id) => !shops.some((s) => String(s.id) === String(id)));
      if (missing.length) throw new StepError(`POS shops not visible to this api key: ${missing.join(', ')}`, { retryable: false, source: SOURCE, shopId: missing[0], code: 'UNKNOWN_SHOP' });
      shops = shops.filter((s) => only.map(String).includes(String(s.id)));
    }
    for (const s of shops) {
      const shopId = String(s.id);
      await db.posStore.upsert({ where: { tenantId_shopId: { tenantId, shopId } }, create: { tenantId, shopId, name: s.name ?? shopId }, update: { name: s.name ?? shopId } });
    }
    return shops;
  }

  private attribution(o: PosApiOrder): string | null {
    if (o.ad_id !== undefined && o.ad_id !== null && String(o.ad_id) !== '') return String(o.ad_id);
    const map = this.conn.adMapping ?? {};
    return (o.p_utm_content && map[o.p_utm_content]) || (o.p_utm_campaign && map[o.p_utm_campaign]) || null;
  }

  async day(shop: PosShop, date: string): Promise<number> {
    const { ctx } = this;
    const shopId = String(shop.id);
    try {
      const start = DateTime.fromISO(date, { zone: ctx.timezone }).startOf('day');
      const startSec = Math.floor(start.toSeconds());
      const endSec = Math.floor(start.plus({ days: 1 }).toSeconds()) - 1;
      const { orders, outside } = await this.client.ordersInWindow(shopId, startSec, endSec, (n) => void ctx.progress({ posFetched: n }));
      if (outside) ctx.log({ level: 'WARN', message: `POS returned ${outside} order(s) outside the requested day; ignored`, metadata: { shopId, date } });
      const costs = await loadCosts(ctx, shopId);
      let missingCosts = 0;
      const now = new Date();
      const rows = orders.map((o) => {
        const orderedAt = new Date(`${String(o.inserted_at).replace(/Z$/, '')}Z`);
        const { cogs, missing } = orderCogs(o, costs);
        missingCosts += missing;
        const items = (o.items ?? []).map((i) => ({ productId: i.product_id ?? null, variationId: i.variation_id ?? null, name: i.variation_info?.name ?? null, quantity: Number(i.quantity) || 0, price: Number(i.variation_info?.retail_price) || 0 }));
        return [
          ctx.tenantId,
          shopId,
          String(o.id),
          o.status_name ?? (o.status === undefined ? null : String(o.status)),
          orderedAt,
          DateTime.fromJSDate(orderedAt, { zone: ctx.timezone }).toISODate(),
          String(Number(o.total_price ?? 0) || 0),
          String(cogs),
          items.reduce((n, i) => n + i.quantity, 0),
          items,
          this.attribution(o),
          o.p_utm_campaign || null,
          o.p_utm_content || null,
          ctx.executionId,
          now,
        ];
      });
      await bulkUpsert(ctx.db, 'PosOrder', ORDER_COLUMNS, ['tenantId', 'shopId', 'orderId'], rows);
      if (missingCosts) ctx.log({ level: 'WARN', message: `${missingCosts} order item(s) have no ProductCost; counted at 0`, metadata: { shopId, date } });
      await ctx.db.posStore.updateMany({ where: { tenantId: ctx.tenantId, shopId }, data: { lastSyncedAt: new Date() } });
      return rows.length;
    } catch (err) {
      throw posStepError(err, { date, shopId });
    }
  }
}

export function createPosClient(ctx: StepContext, conn: PosConnection, opts: Partial<PosClientOptions> = {}): PosClient {
  return new PosClient({
    ...opts,
    baseUrl: conn.baseUrl,
    apiKey: conn.apiKey,
    signal: ctx.signal,
    onRateLimited: (info) => {
      opts.onRateLimited?.(info);
      ctx.log({ level: 'WARN', message: `Pancake POS rate limited; waiting ${Math.round(info.waitMs)} ms`, metadata: { ...info } });
    },
  });
}

export function createPosOrdersSyncStep(deps: PosSyncDeps): StepRunner<PosSyncConfig> {
  return {
    type: 'pos.orders.sync',
    retrySafe: true,
    async run(ctx, config = {}) {
      const dates = syncDates(ctx);
      const conn = await deps.resolveConnection(ctx);
      const sync = new PosSync(ctx, createPosClient(ctx, conn, deps.clientOptions), conn);
      const shops = await sync.shops(config.shopIds ?? conn.shopIds);
      let orders = 0;
      for (const date of dates) {
        for (const shop of shops) {
          if (ctx.signal.aborted) throw new StepError('cancelled', { retryable: false, source: SOURCE, date, shopId: String(shop.id) });
          orders += await sync.day(shop, date);
        }
        await ctx.progress({ daysProcessed: 1 });
      }
      ctx.log({ level: 'INFO', message: `POS orders synced: ${orders} over ${dates.length} day(s)`, metadata: { shops: shops.length } });
      return { orders, days: dates.length, shops: shops.map((s) => String(s.id)) };
    },
  };
}
