// Pancake POS open API simulator (EXTERNAL_APIS.md §3): api_key query auth with the 403/105
// body, GET /shops, GET /shops/{id}/orders paged by page_number/page_size with total_pages, and a
// startDateTime/endDateTime (unix seconds) window on inserted_at or updated_at (updateStatus).
// inserted_at is naive UTC text. Switches: a filter that is ignored (the client must check the
// window itself), 200 + success:false; 429/5xx/Retry-After come through fail().
import { SimServer, type SimRequest, type SimResponse } from './sim-server.ts';

export interface SimPosOrder {
  id: number;
  shop_id: number;
  status: number;
  status_name: string;
  inserted_at: string;
  updated_at: string;
  total_price: number;
  shipping_fee: number;
  items: Array<{ product_id: string; variation_id: string; quantity: number; variation_info: { name: string; retail_price: number } }>;
  p_utm_source?: string;
  p_utm_campaign?: string;
  p_utm_content?: string;
  ad_id?: string | null;
  marketer?: { id: string; name: string } | null;
}

export class PancakePosSimulator extends SimServer {
  protected override basePath = '/api/v1';
  readonly apiKeys = new Set(['pos-simulator-key']);
  readonly shops: Array<{ id: number; name: string; pages: Array<{ id: string; name: string }> }> = [];
  readonly orders: SimPosOrder[] = [];
  switches = {
    /** The date filter silently does nothing (seen in the wild: "the POS filter did not return the right month"). */
    ignoreWindow: false,
    /** Answer orders with HTTP 200 {success:false, error}. */
    successFalse: false,
    maxPageSize: 100,
    /** inserted_at as naive UTC text (what clients assume) or with an explicit "Z". */
    timestampFormat: 'naive' as 'naive' | 'zulu',
    /** Send status_name; without it only the (partly undocumented) numeric status remains. */
    statusNames: true,
  };

  private present(o: SimPosOrder): Record<string, unknown> {
    const out: Record<string, unknown> = { ...o };
    if (this.switches.timestampFormat === 'zulu') {
      out.inserted_at = `${o.inserted_at}Z`;
      out.updated_at = `${o.updated_at}Z`;
    }
    if (!this.switches.statusNames) delete out.status_name;
    return out;
  }

  /** Orders spread over the given UTC instants' days; product ids p1..p3 with variations v1..v3. */
  seed(shopId: number, startsUtc: Date[], perDay: number): this {
    if (!this.shops.some((s) => s.id === shopId)) this.shops.push({ id: shopId, name: `Shop ${shopId}`, pages: [{ id: `page${shopId}`, name: 'FB page' }] });
    for (const start of startsUtc) {
      for (let i = 0; i < perDay; i++) {
        const at = new Date(start.getTime() + Math.floor(((i + 0.5) * 86_400_000) / perDay));
        const iso = at.toISOString().slice(0, 19);
        const k = (i % 3) + 1;
        this.orders.push({
          id: shopId * 100_000 + this.orders.length + 1,
          shop_id: shopId,
          status: i % 4 === 3 ? 6 : 1,
          status_name: i % 4 === 3 ? 'canceled' : 'confirmed',
          inserted_at: iso,
          updated_at: iso,
          total_price: 1000 * k,
          shipping_fee: 50,
          items: [
            { product_id: `p${k}`, variation_id: `v${k}`, quantity: k, variation_info: { name: `Product ${k}`, retail_price: 1000 } },
            ...(i % 2 ? [{ product_id: 'p9', variation_id: 'v9', quantity: 1, variation_info: { name: 'Gift', retail_price: 0 } }] : []),
          ],
          p_utm_source: 'facebook',
          p_utm_campaign: i % 2 ? 'leads_june' : '',
          p_utm_content: i % 2 ? `video_${k}` : '',
          ad_id: i % 2 ? `12021000000000000${k}` : null,
          marketer: { id: 'm1', name: 'Marketer A' },
        });
      }
    }
    return this;
  }

  protected handle(req: SimRequest): SimResponse {
    const q = req.url.searchParams;
    if (!this.apiKeys.has(q.get('api_key') ?? '')) return { status: 403, body: { message: 'api_key is invalid', success: false, error_code: 105 } };
    const parts = req.url.pathname.replace(/^\/api\/v1\/?/, '').split('/').filter(Boolean);
    if (parts.length === 1 && parts[0] === 'shops') return { status: 200, body: { shops: this.shops, success: true } };
    if (parts.length === 3 && parts[0] === 'shops' && parts[2] === 'orders') {
      const shopId = Number(parts[1]);
      if (!this.shops.some((s) => s.id === shopId)) return { status: 403, body: { message: 'no permission', success: false } };
      if (this.switches.successFalse) return { status: 200, body: { success: false, error: { code: 'internal', message: 'Something went wrong' } } };
      const pageNumber = Math.max(1, Number(q.get('page_number') ?? 1) || 1);
      const pageSize = Math.min(Math.max(1, Number(q.get('page_size') ?? 30) || 30), this.switches.maxPageSize);
      const field = q.get('updateStatus') === 'updated_at' ? 'updated_at' : 'inserted_at';
      const start = q.get('startDateTime');
      const end = q.get('endDateTime');
      const rows = this.orders
        .filter((o) => o.shop_id === shopId)
        .filter((o) => {
          if (this.switches.ignoreWindow) return true;
          const t = Date.parse(`${o[field]}Z`) / 1000;
          return (start === null || t >= Number(start)) && (end === null || t <= Number(end));
        })
        .sort((a, b) => b.inserted_at.localeCompare(a.inserted_at));
      const totalPages = Math.max(1, Math.ceil(rows.length / pageSize));
      return {
        status: 200,
        body: { data: rows.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((o) => this.present(o)), success: true, page_number: pageNumber, page_size: pageSize, total_entries: rows.length, total_pages: totalPages },
      };
    }
    return { status: 404, body: { message: 'Not found', success: false } };
  }
}
