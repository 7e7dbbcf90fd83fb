// `meta.insights.sync`: for each date (oldest first) and each of the tenant's ad accounts, the
// ad-level insights of that day, with ad status, upserted on (tenant, account, ad, date) so a
// re-run rewrites the same rows. Fails fast with the date and account in the error.
import type { StepContext, StepRunner } from '../../engine/steps/types.ts';
import { StepError } from '../../engine/steps/types.ts';
import { CancelledError } from '../http.ts';
import { bulkUpsert, type Column } from '../bulk-upsert.ts';
import { syncDates } from '../sync-dates.ts';
import { MetaApiError, MetaClient, type MetaAdAccountInfo, type MetaClientOptions, type MetaInsightRow } from './meta-client.ts';

export interface MetaConnection {
  baseUrl: string;
  accessToken: string;
  /** Numeric account ids to sync; all the token sees when empty. */
  accountIds?: string[];
  leadActionType?: string;
}

export interface MetaSyncConfig {
  accountIds?: string[];
  leadActionType?: string;
}

export interface MetaSyncDeps {
  resolveConnection(ctx: StepContext): Promise<MetaConnection>;
  clientOptions?: Partial<MetaClientOptions>;
}

const SOURCE = 'meta';
/** Lead action types in order of preference; the same leads repeat under several, so never sum them. */
const LEAD_TYPES = ['lead', 'onsite_conversion.lead_grouped', 'offsite_conversion.fb_pixel_lead', 'leadgen_grouped'];

const INSIGHT_COLUMNS: Column[] = [
  { name: 'tenantId', type: 'uuid' },
  { name: 'accountId', type: 'text' },
  { name: 'adId', type: 'text' },
  { name: 'date', type: 'date' },
  { name: 'adName', type: 'text' },
  { name: 'adsetId', type: 'text' },
  { name: 'adsetName', type: 'text' },
  { name: 'campaignId', type: 'text' },
  { name: 'campaignName', type: 'text' },
  { name: 'adStatus', type: 'text' },
  { name: 'marketingAssociate', type: 'text' },
  { name: 'spend', type: 'numeric' },
  { name: 'impressions', type: 'bigint' },
  { name: 'clicks', type: 'bigint' },
  { name: 'inlineLinkClicks', type: 'bigint' },
  { name: 'leads', type: 'int' },
  { name: 'actions', type: 'jsonb' },
  { name: 'executionId', type: 'uuid' },
  { name: 'syncedAt', type: 'timestamptz' },
];

export function marketingAssociate(adName: string | undefined): string | null {
  const token = adName?.split('_')[3]?.trim();
  return token ? token : null;
}

export function leadsFrom(actions: MetaInsightRow['actions'], preferred?: string): number {
  const list = Array.isArray(actions) ? actions : [];
  for (const type of preferred ? [preferred] : LEAD_TYPES) {
    const hit = list.find((a) => a.action_type === type);
    if (hit) return Math.round(Number(hit.value) || 0);
  }
  return 0;
}

export function metaStepError(err: unknown, where: { date?: string; accountId?: string }): StepError {
  if (err instanceof StepError) return err;
  if (err instanceof CancelledError) return new StepError('cancelled', { retryable: false, source: SOURCE, ...where });
  const at = [where.date && `date ${where.date}`, where.accountId && `account ${where.accountId}`].filter(Boolean).join(', ');
  if (err instanceof MetaApiError) return new StepError(`${err.message}${at ? ` (${at})` : ''}`, { retryable: err.transient, source: SOURCE, code: err.code ?? err.status, ...where });
  return new StepError(`${(err as Error)?.message ?? String(err)}${at ? ` (${at})` : ''}`, { retryable: true, source: SOURCE, ...where });
}

export class MetaSync {
  constructor(
    private readonly ctx: StepContext,
    private readonly client: MetaClient,
    private readonly leadActionType: string | undefined,
  ) {}

  /** The accounts to sync (discovered through /me/adaccounts), recorded as MetaAdAccount rows. */
  async accounts(only: string[] | undefined): Promise<MetaAdAccountInfo[]> {
    const { db, tenantId } = this.ctx;
    let accounts = await this.client.listAdAccounts().catch((err) => {
      throw metaStepError(err, {});
    });
    if (only?.length) {
      const wanted = new Set(only.map((id) => id.replace(/^act_/, '')));
      const missing = [...wanted].filter((id) => !accounts.some((a) => a.account_id === id));
      if (missing.length) throw new StepError(`ad accounts not visible to this token: ${missing.join(', ')}`, { retryable: false, source: SOURCE, accountId: missing[0], code: 'UNKNOWN_ACCOUNT' });
      accounts = accounts.filter((a) => wanted.has(a.account_id));
    }
    for (const a of accounts) {
      const fields = { name: a.name, currency: a.currency ?? null, timezoneName: a.timezone_name ?? null, accountStatus: a.account_status ?? null };
      await db.metaAdAccount.upsert({ where: { tenantId_accountId: { tenantId, accountId: a.account_id } }, create: { tenantId, accountId: a.account_id, ...fields }, update: fields });
    }
    return accounts;
  }

  /** One account-day: fetch, look up statuses, upsert. Returns the rows stored. */
  async day(account: MetaAdAccountInfo, date: string): Promise<number> {
    const { db, tenantId, executionId } = this.ctx;
    const accountId = account.account_id;
    try {
      const rows = await this.client.insightsForDay(accountId, date, (page) => void this.ctx.progress({ metaFetched: page.length }));
      const statuses = rows.length ? await this.client.adStatuses(rows.map((r) => r.ad_id)) : new Map<string, string>();
      const now = new Date();
      await bulkUpsert(
        db,
        'MetaAdInsight',
        INSIGHT_COLUMNS,
        ['tenantId', 'accountId', 'adId', 'date'],
        rows
          .filter((r) => r.ad_id && (r.date_start ?? date) === date)
          .map((r) => [
            tenantId,
            accountId,
            r.ad_id,
            date,
            r.ad_name ?? null,
            r.adset_id ?? null,
            r.adset_name ?? null,
            r.campaign_id ?? null,
            r.campaign_name ?? null,
            statuses.get(r.ad_id) ?? null,
            marketingAssociate(r.ad_name),
            String(Number(r.spend ?? 0) || 0),
            String(Math.trunc(Number(r.impressions ?? 0)) || 0),
            String(Math.trunc(Number(r.clicks ?? 0)) || 0),
            String(Math.trunc(Number(r.inline_link_clicks ?? 0)) || 0),
            leadsFrom(r.actions, this.leadActionType),
            r.actions ?? [],
            executionId,
            now,
          ]),
      );
      await db.metaAdAccount.updateMany({ where: { tenantId, accountId }, data: { lastSyncedAt: new Date() } });
      return rows.length;
    } catch (err) {
      throw metaStepError(err, { date, accountId });
    }
  }
}

export function createMetaClient(ctx: StepContext, conn: MetaConnection, opts: Partial<MetaClientOptions> = {}): MetaClient {
  return new MetaClient({
    ...opts,
    baseUrl: conn.baseUrl,
    accessToken: conn.accessToken,
    signal: ctx.signal,
    onSlowDown: (info) => {
      opts.onSlowDown?.(info);
      ctx.log({ level: 'INFO', message: `Meta usage at ${info.usagePct}%; slowing down`, metadata: { ...info } });
    },
    onThrottle: (info) => {
      opts.onThrottle?.(info);
      ctx.log({ level: 'WARN', message: `Meta throttled (code ${info.code ?? '?'}); waiting ${Math.round(info.waitMs / 1000)} s`, metadata: { ...info } });
    },
  });
}

export function createMetaInsightsSyncStep(deps: MetaSyncDeps): StepRunner<MetaSyncConfig> {
  return {
    type: 'meta.insights.sync',
    retrySafe: true,
    async run(ctx, config = {}) {
      const dates = syncDates(ctx);
      const conn = await deps.resolveConnection(ctx);
      const sync = new MetaSync(ctx, createMetaClient(ctx, conn, deps.clientOptions), config.leadActionType ?? conn.leadActionType);
      const accounts = await sync.accounts(config.accountIds ?? conn.accountIds);
      let rows = 0;
      for (const date of dates) {
        for (const account of accounts) {
          if (ctx.signal.aborted) throw new StepError('cancelled', { retryable: false, source: SOURCE, date, accountId: account.account_id });
          rows += await sync.day(account, date);
        }
        await ctx.progress({ daysProcessed: 1 });
      }
      ctx.log({ level: 'INFO', message: `Meta insights synced: ${rows} rows over ${dates.length} day(s)`, metadata: { accounts: accounts.length } });
      return { rows, days: dates.length, accounts: accounts.map((a) => a.account_id) };
    },
  };
}
