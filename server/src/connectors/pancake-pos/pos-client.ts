// Pancake POS open API client (EXTERNAL_APIS.md §3). 429 (honouring Retry-After, capped), 5xx and
// network errors are retried with 1 s, 2 s, 4 s … backoff; 403 (error_code 105: bad api_key) and
// other 4xx are permanent; HTTP 200 with success:false is an error.
import { CancelledError, NetworkError, backoffDelay, send, sleep } from '../http.ts';

export class PosApiError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    readonly status?: number,
    readonly code?: string | number,
  ) {
    super(message);
    this.name = 'PosApiError';
  }
}

export interface PosClientOptions {
  baseUrl: string;
  apiKey: string;
  signal?: AbortSignal;
  maxRetries?: number;
  backoffBaseMs?: number;
  maxRetryAfterMs?: number;
  timeoutMs?: number;
  pageSize?: number;
  /** Pause before every request after the first, to stay near 1–2 requests/s per shop. */
  requestDelayMs?: number;
  onRateLimited?: (info: { waitMs: number; status: number }) => void;
}

export interface PosShop {
  id: number | string;
  name: string;
}

export interface PosOrderItem {
  product_id?: string;
  variation_id?: string;
  quantity?: number;
  variation_info?: { name?: string; retail_price?: number };
}

export interface PosApiOrder {
  id: number | string;
  status?: number;
  status_name?: string;
  inserted_at: string;
  total_price?: number | string;
  items?: PosOrderItem[];
  p_utm_campaign?: string | null;
  p_utm_content?: string | null;
  ad_id?: string | number | null;
}

export class PosClient {
  private requests = 0;
  private readonly o: Required<Omit<PosClientOptions, 'signal' | 'onRateLimited'>> & Pick<PosClientOptions, 'signal' | 'onRateLimited'>;

  constructor(opts: PosClientOptions) {
    this.o = { maxRetries: 3, backoffBaseMs: 1_000, maxRetryAfterMs: 120_000, timeoutMs: 30_000, pageSize: 100, requestDelayMs: 500, ...opts, baseUrl: opts.baseUrl.replace(/\/+$/, '') };
  }

  private async get(path: string, params: Record<string, string>): Promise<any> {
    const url = new URL(`${this.o.baseUrl}${path}`);
    url.searchParams.set('api_key', this.o.apiKey);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    for (let attempt = 1; ; attempt++) {
      let failure: PosApiError;
      let waitMs = backoffDelay(attempt, this.o.backoffBaseMs, 60_000);
      if (this.requests++ > 0) await sleep(this.o.requestDelayMs, this.o.signal);
      try {
        const res = await send(url.href, { headers: { Accept: 'application/json' }, signal: this.o.signal, timeoutMs: this.o.timeoutMs, service: 'pancake', attempt });
        const body = res.body;
        if (res.status >= 200 && res.status < 300) {
          if (body && typeof body === 'object' && body.success === false) {
            throw new PosApiError(`Pancake POS ${path}: ${body.error?.message ?? body.message ?? 'success:false'}`, false, res.status, body.error?.code ?? body.error_code);
          }
          return body;
        }
        const transient = res.status === 429 || res.status >= 500;
        failure = new PosApiError(`Pancake POS ${path}: HTTP ${res.status} ${body?.message ?? ''}`.trim(), transient, res.status, body?.error_code);
        if (!transient) throw failure;
        const retryAfter = Number(res.headers.get('retry-after'));
        if (res.status === 429 && Number.isFinite(retryAfter) && retryAfter > 0) waitMs = Math.min(retryAfter * 1000, this.o.maxRetryAfterMs);
        if (res.status === 429) this.o.onRateLimited?.({ waitMs, status: res.status });
      } catch (err) {
        if (err instanceof PosApiError || err instanceof CancelledError) throw err;
        if (!(err instanceof NetworkError)) throw err;
        failure = new PosApiError(`Pancake POS ${path}: ${err.message}`, true);
      }
      if (attempt > this.o.maxRetries) throw failure;
      await sleep(waitMs, this.o.signal);
    }
  }

  async listShops(): Promise<PosShop[]> {
    const body = await this.get('/shops', {});
    const shops = Array.isArray(body?.shops) ? body.shops : Array.isArray(body?.data) ? body.data : [];
    return shops.map((s: PosShop) => ({ id: s.id, name: s.name }));
  }

  /**
   * Orders inserted in [startSec, endSec] (unix seconds), every page. The filter is not trusted:
   * orders outside the window are dropped and counted.
   */
  async ordersInWindow(shopId: string, startSec: number, endSec: number, onPage?: (n: number) => void): Promise<{ orders: PosApiOrder[]; outside: number }> {
    const orders: PosApiOrder[] = [];
    let outside = 0;
    for (let page = 1; ; page++) {
      const body = await this.get(`/shops/${encodeURIComponent(shopId)}/orders`, {
        page_number: String(page),
        page_size: String(this.o.pageSize),
        startDateTime: String(startSec),
        endDateTime: String(endSec),
        updateStatus: 'inserted_at',
        option_sort: 'inserted_at_asc',
      });
      const data: PosApiOrder[] = Array.isArray(body?.data) ? body.data : [];
      for (const o of data) {
        const t = Date.parse(`${String(o.inserted_at).replace(/Z$/, '')}Z`) / 1000;
        if (Number.isFinite(t) && t >= startSec && t <= endSec) orders.push(o);
        else outside++;
      }
      onPage?.(data.length);
      const totalPages = Number(body?.total_pages);
      const pageSize = Number(body?.page_size) || this.o.pageSize;
      if ((Number.isFinite(totalPages) && page >= totalPages) || data.length < pageSize || data.length === 0) break;
    }
    return { orders, outside };
  }
}
