// Graph API v23.0 client for insights (EXTERNAL_APIS.md §2). Errors are classified by the code
// in the body, not the HTTP status: throttles (4, 17, 613, 80000–80014) arrive as HTTP 400 (or
// 429 through gateways) and wait `estimated_time_to_regain_access` minutes from
// X-Business-Use-Case-Usage, or Retry-After when present, capped and abortable; 1/2 and 5xx are
// retried with backoff; everything else (100, 190, 200s, 803 …) is permanent.
import { CancelledError, NetworkError, backoffDelay, send, sleep, type RawResponse } from '../http.ts';

export class MetaApiError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    readonly code?: number,
    readonly subcode?: number,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'MetaApiError';
  }
}

export interface MetaClientOptions {
  baseUrl: string;
  accessToken: string;
  signal?: AbortSignal;
  /** Pause before every request after the first (META_REQUEST_DELAY_MS). */
  requestDelayMs?: number;
  /** Longest single throttle wait. */
  maxThrottleWaitMs?: number;
  maxRetries?: number;
  backoffBaseMs?: number;
  timeoutMs?: number;
  /** Pause before the next request once any usage header reaches 75 % (throttling starts at 100). */
  slowDownMs?: number;
  onSlowDown?: (info: { usagePct: number; waitMs: number }) => void;
  onThrottle?: (info: { code?: number; waitMs: number; requestedMs: number; attempt: number }) => void;
}

export interface MetaAdAccountInfo {
  id: string;
  account_id: string;
  name: string;
  account_status?: number;
  currency?: string;
  timezone_name?: string;
}

export interface MetaInsightRow {
  ad_id: string;
  ad_name?: string;
  adset_id?: string;
  adset_name?: string;
  campaign_id?: string;
  campaign_name?: string;
  spend?: string;
  impressions?: string;
  clicks?: string;
  inline_link_clicks?: string;
  actions?: Array<{ action_type: string; value: string }>;
  date_start: string;
  date_stop?: string;
}

const THROTTLE_CODES = new Set([4, 17, 613, 80000, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80009, 80014]);
const RETRY_CODES = new Set([1, 2]);
export const INSIGHT_FIELDS = 'ad_id,ad_name,adset_id,adset_name,campaign_id,campaign_name,spend,impressions,clicks,inline_link_clicks,actions,date_start,date_stop';

export class MetaClient {
  private requests = 0;
  private nextDelayMs = 0;
  private readonly o: Required<Omit<MetaClientOptions, 'signal' | 'onThrottle' | 'onSlowDown'>> & Pick<MetaClientOptions, 'signal' | 'onThrottle' | 'onSlowDown'>;

  constructor(opts: MetaClientOptions) {
    this.o = { requestDelayMs: 3_000, maxThrottleWaitMs: 15 * 60_000, maxRetries: 5, backoffBaseMs: 1_000, timeoutMs: 60_000, slowDownMs: 30_000, ...opts, baseUrl: opts.baseUrl.replace(/\/+$/, '') };
  }

  /** The highest percentage in X-App-Usage and X-Business-Use-Case-Usage (0 when absent). */
  private usagePct(res: RawResponse): number {
    const values: number[] = [];
    const collect = (u: Record<string, unknown>) => ['call_count', 'total_cputime', 'total_time'].forEach((k) => values.push(Number(u[k]) || 0));
    try {
      const app = res.headers.get('x-app-usage');
      if (app) collect(JSON.parse(app));
      const buc = res.headers.get('x-business-use-case-usage');
      if (buc) Object.values(JSON.parse(buc) as Record<string, Array<Record<string, unknown>>>).flat().forEach(collect);
    } catch {
      return 0;
    }
    return Math.max(0, ...values);
  }

  /** Minutes to wait from the usage headers (the largest for any bucket), or undefined. */
  private regainMs(res: RawResponse): number | undefined {
    const retryAfter = Number(res.headers.get('retry-after'));
    if (Number.isFinite(retryAfter) && retryAfter > 0) return retryAfter * 1000;
    const buc = res.headers.get('x-business-use-case-usage');
    if (!buc) return undefined;
    try {
      const parsed = JSON.parse(buc) as Record<string, Array<{ estimated_time_to_regain_access?: number }>>;
      const minutes = Math.max(0, ...Object.values(parsed).flat().map((u) => Number(u.estimated_time_to_regain_access) || 0));
      return minutes > 0 ? minutes * 60_000 : undefined;
    } catch {
      return undefined;
    }
  }

  private url(pathOrUrl: string, params: Record<string, string> = {}): string {
    const u = new URL(/^https?:/.test(pathOrUrl) ? pathOrUrl : `${this.o.baseUrl}${pathOrUrl}`);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u.href;
  }

  async get(pathOrUrl: string, params: Record<string, string> = {}): Promise<any> {
    const url = this.url(pathOrUrl, params);
    for (let attempt = 1; ; attempt++) {
      if (this.requests++ > 0) await sleep(Math.max(this.o.requestDelayMs, this.nextDelayMs), this.o.signal);
      this.nextDelayMs = 0;
      let failure: MetaApiError;
      let waitMs: number;
      try {
        const res = await send(url, { headers: { Authorization: `Bearer ${this.o.accessToken}`, Accept: 'application/json' }, signal: this.o.signal, timeoutMs: this.o.timeoutMs, service: 'meta', attempt });
        if (res.status >= 200 && res.status < 300 && !(res.body && typeof res.body === 'object' && res.body.error)) {
          const usage = this.usagePct(res);
          if (usage >= 75) {
            this.nextDelayMs = this.o.slowDownMs;
            this.o.onSlowDown?.({ usagePct: usage, waitMs: this.o.slowDownMs });
          }
          return res.body;
        }
        const e = (res.body && typeof res.body === 'object' ? res.body.error : undefined) as { message?: string; code?: number; error_subcode?: number } | undefined;
        const code = e?.code;
        const throttled = (code !== undefined && THROTTLE_CODES.has(code)) || res.status === 429;
        const transient = throttled || (code !== undefined && RETRY_CODES.has(code)) || res.status >= 500;
        failure = new MetaApiError(`Meta ${e?.message ?? `HTTP ${res.status}`}`, transient, code, e?.error_subcode, res.status);
        if (!transient) throw failure;
        if (throttled) {
          const requested = this.regainMs(res) ?? 60_000;
          waitMs = Math.min(requested, this.o.maxThrottleWaitMs);
          this.o.onThrottle?.({ code, waitMs, requestedMs: requested, attempt });
        } else waitMs = backoffDelay(attempt, this.o.backoffBaseMs, 60_000);
      } catch (err) {
        if (err instanceof MetaApiError || err instanceof CancelledError) throw err;
        if (!(err instanceof NetworkError)) throw err;
        failure = new MetaApiError(`Meta request failed: ${err.message}`, true);
        waitMs = backoffDelay(attempt, this.o.backoffBaseMs, 60_000);
      }
      if (attempt > this.o.maxRetries) throw failure;
      await sleep(waitMs, this.o.signal);
    }
  }

  /** Follows paging.next until it is absent (the only reliable end signal). */
  async getAll<T>(path: string, params: Record<string, string>, onPage?: (rows: T[]) => void): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined = this.url(path, params);
    while (next) {
      const page: { data?: T[]; paging?: { next?: string } } = await this.get(next);
      const rows = Array.isArray(page?.data) ? page.data : [];
      out.push(...rows);
      onPage?.(rows);
      next = page?.paging?.next;
    }
    return out;
  }

  listAdAccounts(): Promise<MetaAdAccountInfo[]> {
    return this.getAll('/me/adaccounts', { fields: 'id,account_id,name,account_status,currency,timezone_name', limit: '100' });
  }

  /** One day of ad-level rows for an account (dates in the account's zone). */
  insightsForDay(accountId: string, date: string, onPage?: (rows: MetaInsightRow[]) => void): Promise<MetaInsightRow[]> {
    return this.getAll(
      `/act_${accountId}/insights`,
      { level: 'ad', fields: INSIGHT_FIELDS, time_range: JSON.stringify({ since: date, until: date }), time_increment: '1', limit: '500' },
      onPage,
    );
  }

  /**
   * effective_status by ad id, in batches of at most 50. One unknown id fails a whole batch
   * (#803, or #100 "aliases … do not exist"), so the named ids are dropped and the batch retried.
   */
  async adStatuses(ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 50) {
      let batch = unique.slice(i, i + 50);
      while (batch.length) {
        try {
          const res: Record<string, { effective_status?: string }> = await this.get('/', { ids: batch.join(','), fields: 'id,name,effective_status' });
          for (const [id, v] of Object.entries(res ?? {})) if (v?.effective_status) out.set(id, v.effective_status);
          break;
        } catch (err) {
          const missing = err instanceof MetaApiError && (err.code === 803 || err.code === 100) && /aliases you requested do not exist:\s*(.+)$/.exec(err.message)?.[1];
          if (!missing) throw err;
          const drop = new Set(missing.split(',').map((s) => s.trim()));
          const kept = batch.filter((id) => !drop.has(id));
          if (kept.length === batch.length) throw err;
          batch = kept;
        }
      }
    }
    return out;
  }
}
