// Typed client of ChatGPT Builder (EXTERNAL_APIS.md §1). Error classes:
//   - network errors, timeouts, 5xx and 429 are transient and retried with capped backoff;
//   - other 4xx (401/403 bad token, 400, 404) are permanent;
//   - HTTP 200 with {success:false} is a (permanent) error.
// Sends have no idempotency key at CGB: a send that timed out may have gone out, so sends are
// never retried after a timeout (the caller records the outcome as unknown instead).
import { CancelledError, NetworkError, backoffDelay, send, sleep, type RawResponse } from '../http.ts';

export class CgbError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    readonly status?: number,
    /** False when the request may have been processed (a send that timed out). */
    readonly definitelyNotApplied = true,
  ) {
    super(message);
    this.name = 'CgbError';
  }
}

export interface CgbClientOptions {
  baseUrl: string;
  token: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
}

export interface CgbContactRef {
  id: string;
  phone: string;
}

export type MediaType = 'image' | 'video' | 'audio' | 'document';

export class CgbClient {
  private readonly opts: Required<Omit<CgbClientOptions, 'signal'>> & { signal?: AbortSignal };

  constructor(opts: CgbClientOptions) {
    this.opts = { timeoutMs: 15_000, maxAttempts: 3, backoffBaseMs: 1_000, backoffCapMs: 10_000, ...opts, baseUrl: opts.baseUrl.replace(/\/+$/, '') };
  }

  private errorText(res: RawResponse): string {
    const b = res.body;
    const text = typeof b === 'object' && b ? (b.error ?? b.message) : b;
    return typeof text === 'string' && text ? text : `HTTP ${res.status}`;
  }

  private async request(method: string, path: string, body: unknown, { isSend = false } = {}): Promise<any> {
    const headers: Record<string, string> = { 'X-ACCESS-TOKEN': this.opts.token, Accept: 'application/json' };
    let payload: string | URLSearchParams | undefined;
    if (body instanceof URLSearchParams) payload = body;
    else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    for (let attempt = 1; ; attempt++) {
      let failure: CgbError;
      try {
        const res = await send(`${this.opts.baseUrl}${path}`, { method, headers, body: payload, signal: this.opts.signal, timeoutMs: this.opts.timeoutMs, service: 'cgb', attempt });
        if (res.status >= 200 && res.status < 300) {
          if (res.body && typeof res.body === 'object' && res.body.success === false) {
            throw new CgbError(`CGB ${method} ${path.split('?')[0]} answered success:false: ${this.errorText(res)}`, false, res.status);
          }
          return res.body;
        }
        const transient = res.status === 429 || res.status >= 500;
        failure = new CgbError(`CGB ${method} ${path.split('?')[0]} failed: HTTP ${res.status} ${this.errorText(res)}`, transient, res.status);
        if (!transient) throw failure;
      } catch (err) {
        if (err instanceof CgbError || err instanceof CancelledError) throw err;
        if (!(err instanceof NetworkError)) throw err;
        if (isSend && err.timedOut) throw new CgbError(`CGB ${method} ${path} ${err.message}; the message may have been sent`, false, undefined, false);
        failure = new CgbError(`CGB ${method} ${path.split('?')[0]}: ${err.message}`, true);
      }
      if (attempt >= this.opts.maxAttempts) throw failure;
      await sleep(backoffDelay(attempt, this.opts.backoffBaseMs, this.opts.backoffCapMs), this.opts.signal);
    }
  }

  /** Finds a contact by E.164 phone (CGB stores digits; the "+" is dropped for the lookup). */
  async findContactByPhone(e164: string): Promise<CgbContactRef | null> {
    const digits = e164.replace(/\D/g, '');
    const res = await this.request('GET', `/contacts/find_by_custom_field?field_id=phone&value=${encodeURIComponent(digits)}`, undefined);
    const first = Array.isArray(res?.data) ? res.data[0] : undefined;
    return first && first.id !== undefined && first.id !== '' ? { id: String(first.id), phone: String(first.phone ?? digits) } : null;
  }

  /** A contact by id, or null: CGB answers 404 or, sometimes, 200 with empty fields (note A). */
  async getContact(id: string): Promise<CgbContactRef | null> {
    try {
      const res = await this.request('GET', `/contacts/${encodeURIComponent(id)}`, undefined);
      if (!res || typeof res !== 'object' || !res.phone || res.id === '' || res.id === undefined) return null;
      return { id: String(res.id), phone: String(res.phone) };
    } catch (err) {
      if (err instanceof CgbError && err.status === 404) return null;
      throw err;
    }
  }

  async createContact(input: { phone: string; firstName?: string; lastName?: string; email?: string }): Promise<CgbContactRef> {
    const res = await this.request('POST', '/contacts', {
      phone: input.phone.replace(/\D/g, ''),
      ...(input.firstName ? { first_name: input.firstName } : {}),
      ...(input.lastName ? { last_name: input.lastName } : {}),
      ...(input.email ? { email: input.email } : {}),
    });
    const id = res?.data?.id ?? res?.id;
    if (id === undefined || id === null || id === '') throw new CgbError('CGB create contact returned no id', false);
    return { id: String(id), phone: input.phone };
  }

  async listFlows(): Promise<Array<{ id: string; name: string }>> {
    const res = await this.request('GET', '/accounts/flows', undefined);
    const list = Array.isArray(res) ? res : Array.isArray(res?.data) ? res.data : [];
    return list.map((f: { id: unknown; name: unknown }) => ({ id: String(f.id), name: String(f.name) }));
  }

  async listCustomFields(): Promise<Array<{ id: string; name: string }>> {
    const res = await this.request('GET', '/accounts/custom_fields', undefined);
    const list = Array.isArray(res) ? res : Array.isArray(res?.data) ? res.data : [];
    return list.map((f: { id: unknown; name: unknown }) => ({ id: String(f.id), name: String(f.name) }));
  }

  /** CGB only accepts custom-field values as formData (JSON silently does nothing in production). */
  async setCustomField(contactId: string, fieldId: string, value: string): Promise<void> {
    await this.request('POST', `/contacts/${encodeURIComponent(contactId)}/custom_fields/${encodeURIComponent(fieldId)}`, new URLSearchParams({ value }));
  }

  async sendText(contactId: string, text: string): Promise<unknown> {
    return this.request('POST', `/contacts/${encodeURIComponent(contactId)}/send/text`, { text, channel: 'whatsapp' }, { isSend: true });
  }

  async sendFlow(contactId: string, flowId: string): Promise<unknown> {
    return this.request('POST', `/contacts/${encodeURIComponent(contactId)}/send/${encodeURIComponent(flowId)}`, undefined, { isSend: true });
  }

  async sendMedia(contactId: string, url: string, type: MediaType): Promise<unknown> {
    return this.request('POST', `/contacts/${encodeURIComponent(contactId)}/send/file`, { url, type, channel: 'whatsapp' }, { isSend: true });
  }
}
