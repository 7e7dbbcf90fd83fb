// `sales.daily.sync`: Meta insights and POS orders together, walking dates oldest to newest and,
// for each date, Meta before POS, so a run that fails fast leaves every earlier day complete in
// both sources. daysProcessed counts dates done in both.
import { StepError, type StepContext, type StepRunner } from '../engine/steps/types.ts';
import type { MetaClientOptions } from './meta-ads/meta-client.ts';
import { MetaSync, createMetaClient, type MetaConnection, type MetaSyncConfig } from './meta-ads/sync-step.ts';
import type { PosClientOptions } from './pancake-pos/pos-client.ts';
import { PosSync, createPosClient, type PosConnection, type PosSyncConfig } from './pancake-pos/sync-step.ts';
import { syncDates } from './sync-dates.ts';

export interface DailySyncConfig {
  meta?: MetaSyncConfig;
  pos?: PosSyncConfig;
}

export interface DailySyncDeps {
  resolveMeta(ctx: StepContext): Promise<MetaConnection>;
  resolvePos(ctx: StepContext): Promise<PosConnection>;
  metaClientOptions?: Partial<MetaClientOptions>;
  posClientOptions?: Partial<PosClientOptions>;
}

export function createDailySyncStep(deps: DailySyncDeps): StepRunner<DailySyncConfig> {
  return {
    type: 'sales.daily.sync',
    retrySafe: true,
    async run(ctx, config = {}) {
      const dates = syncDates(ctx);
      const metaConn = await deps.resolveMeta(ctx);
      const posConn = await deps.resolvePos(ctx);
      const meta = new MetaSync(ctx, createMetaClient(ctx, metaConn, deps.metaClientOptions), config.meta?.leadActionType ?? metaConn.leadActionType);
      const pos = new PosSync(ctx, createPosClient(ctx, posConn, deps.posClientOptions), posConn);
      const accounts = await meta.accounts(config.meta?.accountIds ?? metaConn.accountIds);
      const shops = await pos.shops(config.pos?.shopIds ?? posConn.shopIds);
      let metaRows = 0;
      let posOrders = 0;
      for (const date of dates) {
        for (const account of accounts) {
          if (ctx.signal.aborted) throw new StepError('cancelled', { retryable: false, source: 'meta', date, accountId: account.account_id });
          metaRows += await meta.day(account, date);
        }
        for (const shop of shops) {
          if (ctx.signal.aborted) throw new StepError('cancelled', { retryable: false, source: 'pos', date, shopId: String(shop.id) });
          posOrders += await pos.day(shop, date);
        }
        await ctx.progress({ daysProcessed: 1 });
      }
      return { days: dates.length, metaRows, posOrders };
    },
  };
}
