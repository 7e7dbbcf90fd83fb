// Meta Graph API v23.0 simulator (EXTERNAL_APIS.md §2): /me/adaccounts, /act_{id}/insights with
// level=ad, time_increment=1 and time_range in either quote style, cursor paging with a full
// `paging.next` URL only when more rows exist, ?ids= lookups capped at 50 with the #100/#803
// errors, usage headers on every answer, and a throttle switch (codes 4/17/613/80000/80004 as
// HTTP 400, or 429; optional Retry-After) that sets estimated_time_to_regain_access.
import { SimServer, type SimRequest, type SimResponse } from './sim-server.ts';

export interface SimAdAccount {
  id: string;
  account_id: string;
  name: string;
  account_status: number;
  currency: string;
  timezone_name: string;
}

export interface SimAd {
  id: string;
  name: string;
  adset_id: string;
  adset_name: string;
  campaign_id: string;
  campaign_name: string;
  effective_status: string;
  accountId: string;
}

export interface SimInsight {
  ad_id: string;
  date: string;
  spend: string;
  impressions: string;
  clicks: string;
  inline_link_clicks: string;
  actions?: Array<{ action_type: string; value: string }>;
}

export interface ThrottleSpec {
  code: 4 | 17 | 613 | 80000 | 80004;
  /** 400 is what Graph sends; 429 is what some gateways turn it into. */
  status?: 400 | 429;
  /** Minutes, in X-Business-Use-Case-Usage. */
  etaMinutes?: number;
  /** Seconds, as a Retry-After header (Graph itself does not send it). */
  retryAfter?: number;
}

const THROTTLE_TEXT: Record<number, [string, number | undefined]> = {
  4: ['(#4) Application request limit reached', 1504022],
  17: ['(#17) User request limit reached', 2446079],
  613: ['(#613) Calls to this api have exceeded the rate limit.', 1487742],
  80000: ['(#80000) There have been too many calls from this ad-account. Wait a bit and try again.', 2446079],
  80004: ['(#80004) There have been too many calls to this ad-account. Wait a bit and try again.', 2446079],
};

function graphError(status: number, code: number, message: string, extra: Record<string, unknown> = {}): SimResponse {
  return { status, body: { error: { message, type: 'OAuthException', code, ...extra, fbtrace_id: 'AbCdEfSim' } } };
}

const cursor = (n: number) => Buffer.from(`c${n}`).toString('base64url');
const uncursor = (c: string | null) => (c ? Number(Buffer.from(c, 'base64url').toString().slice(1)) || 0 : 0);

export class MetaGraphSimulator extends SimServer {
  protected override basePath = '/v23.0';
  readonly tokens = new Set(['EAAB-simulator-token']);
  readonly accounts: SimAdAccount[] = [];
  readonly ads: SimAd[] = [];
  readonly insights: SimInsight[] = [];
  private readonly throttles: ThrottleSpec[] = [];
  switches = {
    /** Which error an unknown id in ?ids= produces: (#803) or code 100. */
    unknownIdError: 803 as 803 | 100,
    /** Page size when the client sends no limit (Graph's default is believed to be 25). */
    defaultLimit: 25,
    /** Graph may return fewer rows than asked; pages never exceed this. */
    maxPageSize: 500,
    /** The usage percentage reported in X-App-Usage / X-Business-Use-Case-Usage on normal answers. */
    usagePct: 12,
    /** Token errors (code 190) come as 400 and sometimes 401. */
    tokenErrorStatus: 400 as 400 | 401,
    /** Ads that still have insights but fail ?ids= lookups (deleted or no longer accessible). */
    goneAdIds: new Set<string>(),
  };

  throttle(times: number, spec: ThrottleSpec): this {
    for (let i = 0; i < times; i++) this.throttles.push(spec);
    return this;
  }

  /** A small account with ads and daily rows, for npm start and tests. */
  seed(accountId: string, dates: string[], adsPerAccount: number): this {
    this.accounts.push({ id: `act_${accountId}`, account_id: accountId, name: `Account ${accountId}`, account_status: 1, currency: 'PHP', timezone_name: 'Asia/Manila' });
    for (let i = 1; i <= adsPerAccount; i++) {
      const id = `${accountId}${String(i).padStart(4, '0')}`;
      this.ads.push({ id, name: `VN_leads_video${i}_${i % 2 ? 'ana' : 'ben'}_v1`, adset_id: `${accountId}900${i % 3}`, adset_name: `Adset ${i % 3}`, campaign_id: `${accountId}800`, campaign_name: 'Leads', effective_status: i % 5 === 0 ? 'PAUSED' : 'ACTIVE', accountId });
      for (const date of dates) {
        const n = (i * 7 + Number(date.slice(-2))) % 50;
        this.insights.push({ ad_id: id, date, spend: (n * 3.17).toFixed(2), impressions: String(n * 100), clicks: String(n * 3), inline_link_clicks: String(n * 2), actions: [{ action_type: 'link_click', value: String(n * 2) }, { action_type: 'lead', value: String(n % 7) }, { action_type: 'onsite_conversion.lead_grouped', value: String(n % 7) }] });
      }
    }
    return this;
  }

  private usageHeaders(accountId?: string, eta = 0): Record<string, string> {
    const pct = eta > 0 ? 100 : this.switches.usagePct;
    return {
      'x-app-usage': JSON.stringify({ call_count: pct, total_cputime: 5, total_time: 5 }),
      ...(accountId ? { 'x-business-use-case-usage': JSON.stringify({ [accountId]: [{ type: 'ads_insights', call_count: pct, total_cputime: 5, total_time: 5, estimated_time_to_regain_access: eta, ads_api_access_tier: 'standard_access' }] }) } : {}),
    };
  }

  protected handle(req: SimRequest): SimResponse {
    const q = req.url.searchParams;
    const token = q.get('access_token') ?? String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!this.tokens.has(token)) return graphError(this.switches.tokenErrorStatus, 190, 'Invalid OAuth access token - Cannot parse access token');
    const path = req.url.pathname.replace(/^\/v23\.0/, '');
    const accountMatch = /^\/act_(\d+)\/insights$/.exec(path);
    const accountId = accountMatch?.[1];
    const throttle = this.throttles.shift();
    if (throttle) {
      const [message, subcode] = THROTTLE_TEXT[throttle.code]!;
      const res = graphError(throttle.status ?? 400, throttle.code, message, { error_subcode: subcode, is_transient: true });
      res.headers = { ...this.usageHeaders(accountId ?? this.accounts[0]?.account_id, throttle.etaMinutes ?? 0), ...(throttle.retryAfter !== undefined ? { 'retry-after': String(throttle.retryAfter) } : {}) };
      return res;
    }
    if (path === '/me/adaccounts') return this.page(req, this.accounts, undefined);
    if (accountId) return this.insightsPage(req, accountId);
    if (path === '/' || path === '') return this.byIds(req);
    return graphError(400, 100, `Unsupported get request. Object with ID '${path.slice(1)}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`, { error_subcode: 33 });
  }

  private page<T>(req: SimRequest, rows: T[], accountId: string | undefined): SimResponse {
    const q = req.url.searchParams;
    const limit = Math.min(Number(q.get('limit') ?? this.switches.defaultLimit) || this.switches.defaultLimit, this.switches.maxPageSize);
    const offset = uncursor(q.get('after'));
    const data = rows.slice(offset, offset + limit);
    const paging: Record<string, unknown> = { cursors: { before: cursor(offset), after: cursor(offset + data.length) } };
    if (offset + limit < rows.length) {
      const next = new URL(req.url.pathname + req.url.search, this.baseUrl);
      next.searchParams.set('after', cursor(offset + limit));
      if (!next.searchParams.has('access_token')) next.searchParams.set('access_token', [...this.tokens][0]!);
      paging.next = next.href;
    }
    return { status: 200, body: { data, paging }, headers: this.usageHeaders(accountId) };
  }

  private insightsPage(req: SimRequest, accountId: string): SimResponse {
    const q = req.url.searchParams;
    if (!this.accounts.some((a) => a.account_id === accountId)) return graphError(400, 100, `Unsupported get request. Object with ID 'act_${accountId}' does not exist`, { error_subcode: 33 });
    if (q.get('level') !== 'ad') return graphError(400, 100, '(#100) level must be one of: ad, adset, campaign, account (this simulator serves level=ad)');
    if (q.get('time_increment') !== '1') return graphError(400, 100, '(#100) time_increment must be 1 in this simulator');
    let range: { since?: string; until?: string };
    try {
      range = JSON.parse(String(q.get('time_range')).replace(/'/g, '"'));
    } catch {
      return graphError(400, 100, '(#100) param time_range must be a JSON object with since and until');
    }
    const day = /^\d{4}-\d{2}-\d{2}$/;
    if (!range || !day.test(range.since ?? '') || !day.test(range.until ?? '') || range.since! > range.until!) return graphError(400, 100, '(#100) time_range is invalid');
    const fields = new Set((q.get('fields') ?? 'impressions,spend').split(','));
    const ads = new Map(this.ads.filter((a) => a.accountId === accountId).map((a) => [a.id, a]));
    const rows = this.insights
      .filter((r) => ads.has(r.ad_id) && r.date >= range.since! && r.date <= range.until!)
      .sort((a, b) => a.date.localeCompare(b.date) || a.ad_id.localeCompare(b.ad_id))
      .map((r) => {
        const ad = ads.get(r.ad_id)!;
        const full: Record<string, unknown> = { ...r, ad_name: ad.name, adset_id: ad.adset_id, adset_name: ad.adset_name, campaign_id: ad.campaign_id, campaign_name: ad.campaign_name, account_id: accountId, date_start: r.date, date_stop: r.date };
        const out: Record<string, unknown> = { date_start: r.date, date_stop: r.date };
        for (const f of fields) if (full[f] !== undefined) out[f] = full[f];
        return out;
      });
    return this.page(req, rows, accountId);
  }

  private byIds(req: SimRequest): SimResponse {
    const ids = (req.url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
    if (ids.length === 0) return graphError(400, 100, '(#100) Missing ids');
    if (ids.length > 50) return graphError(400, 100, `(#100) Too many IDs. Maximum: 50. Provided: ${ids.length}.`);
    const unknown = ids.filter((id) => this.switches.goneAdIds.has(id) || !this.ads.some((a) => a.id === id));
    if (unknown.length) {
      return this.switches.unknownIdError === 803
        ? graphError(400, 803, `(#803) Some of the aliases you requested do not exist: ${unknown.join(',')}`)
        : graphError(400, 100, `Some of the aliases you requested do not exist: ${unknown.join(',')}`, { error_subcode: 33 });
    }
    const body: Record<string, unknown> = {};
    for (const id of ids) {
      const ad = this.ads.find((a) => a.id === id)!;
      body[id] = { id, name: ad.name, effective_status: ad.effective_status };
    }
    return { status: 200, body, headers: this.usageHeaders() };
  }
}
