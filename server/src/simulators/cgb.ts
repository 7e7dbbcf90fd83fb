// ChatGPT Builder (CGB) simulator, per EXTERNAL_APIS.md §1: X-ACCESS-TOKEN auth, both the
// /api/contacts and legacy /api/users prefixes, {data:[…]} on find, formData or JSON for custom
// fields. Switches cover the [G]/[P] behaviours: 200 + success:false, 404 vs empty-200 for an
// unknown contact, and (through fail()) 429, 5xx and slow answers.
import { SimServer, json, type SimRequest, type SimResponse } from './sim-server.ts';

export interface CgbContact {
  id: number;
  page_id: number;
  first_name: string;
  last_name: string;
  channel: number;
  phone: string;
  email: string;
  custom_fields: Array<{ id: number; name: string; type: number; value: string }>;
  tags: Array<{ id: number; name: string }>;
}

export interface CgbSent {
  contactId: number;
  kind: 'text' | 'file' | 'flow' | 'content';
  body: unknown;
}

export class CgbSimulator extends SimServer {
  protected override basePath = '/api';
  readonly tokens = new Set<string>(['1234567.simulatortoken']);
  readonly contacts = new Map<number, CgbContact>();
  readonly flows: Array<{ id: number; name: string }> = [
    { id: 1752250957765, name: 'visa_approved' },
    { id: 1752250957766, name: 'order_confirmation' },
  ];
  readonly customFields = [
    { id: 779770, name: 'customer_name', type: 0, description: '' },
    { id: 779771, name: 'order_number', type: 0, description: '' },
  ];
  readonly sent: CgbSent[] = [];
  switches = {
    /** How GET /contacts/{id} answers an unknown id: 404 "User not found", or 200 with empty fields (note A). */
    unknownContact: '404' as '404' | 'empty200',
    /** Sends answer HTTP 200 {success:false, error}. */
    sendSuccessFalse: false,
    /** Which key carries the error text of success:false and 4xx bodies. */
    errorKey: 'error' as 'error' | 'message',
    /** Bad or missing token: undocumented, 401 or 403. */
    authFailureStatus: 401 as 401 | 403,
    /** Body of a successful send (undocumented): {success:true}, empty, or {message_id}. */
    sendResponse: 'success' as 'success' | 'empty' | 'message_id',
    /** Body of a successful create: {success, data:{id}} (seen) or a bare {id}. */
    createResponse: 'envelope' as 'envelope' | 'bare',
  };

  private sendOk(): SimResponse {
    if (this.switches.sendResponse === 'empty') return { status: 200, body: undefined };
    if (this.switches.sendResponse === 'message_id') return { status: 200, body: { message_id: `m${this.sent.length}` } };
    return { status: 200, body: { success: true } };
  }

  private created(id: number): SimResponse {
    return { status: 200, body: this.switches.createResponse === 'bare' ? { id } : { success: true, data: { id } } };
  }

  private nextId = 100000;

  private err(status: number, text: string): SimResponse {
    return { status, body: { success: false, [this.switches.errorKey]: text } };
  }

  private digits(phone: string): string {
    return String(phone).replace(/\D/g, '');
  }

  protected handle(req: SimRequest): SimResponse {
    const token = req.headers['x-access-token'];
    if (typeof token !== 'string' || !this.tokens.has(token)) return this.err(this.switches.authFailureStatus, 'Unauthorized');
    const parts = req.url.pathname.replace(/^\/api\/?/, '').split('/').filter(Boolean);
    const m = req.method;
    if (parts[0] === 'accounts') {
      if (parts[1] === 'me') return { status: 200, body: { page_id: 1234567, name: 'Simulated page', active: true, created: '2025-01-01', total_users: this.contacts.size } };
      if (parts[1] === 'flows') return { status: 200, body: this.flows };
      if (parts[1] === 'custom_fields') {
        if (parts[2] === 'name') {
          const f = this.customFields.find((c) => c.name === decodeURIComponent(parts[3] ?? ''));
          return f ? { status: 200, body: f } : this.err(404, 'Custom field not found');
        }
        return { status: 200, body: this.customFields };
      }
      return this.err(404, 'Not found');
    }
    if (parts[0] !== 'contacts' && parts[0] !== 'users') return this.err(404, 'Not found');
    if (parts.length === 1 && m === 'POST') return this.create(req);
    if (parts[1] === 'find_by_custom_field' && m === 'GET') {
      const field = req.url.searchParams.get('field_id');
      const value = req.url.searchParams.get('value');
      if (!field || value === null) return this.err(400, 'Invalid parameters');
      const found = [...this.contacts.values()].filter((c) =>
        field === 'phone' ? this.digits(c.phone) === this.digits(value) : field === 'email' ? c.email === value : c.custom_fields.some((f) => String(f.id) === field && f.value === value),
      );
      return { status: 200, body: { data: found.slice(0, 100) } };
    }
    const id = Number(parts[1]);
    const contact = this.contacts.get(id);
    if (parts.length === 2 && m === 'GET') {
      if (contact) return { status: 200, body: contact };
      if (this.switches.unknownContact === '404') return this.err(404, 'User not found');
      return { status: 200, body: { id: '', first_name: '', last_name: '', phone: '', email: '', custom_fields: [], tags: [] } };
    }
    if (!contact) return this.err(404, 'User not found');
    if (parts[2] === 'custom_fields' && parts[3] && m === 'POST') {
      const field = this.customFields.find((f) => String(f.id) === parts[3]);
      if (!field) return this.err(404, 'Custom field not found');
      const ct = String(req.headers['content-type'] ?? '');
      const value = ct.includes('json') ? json(req)?.value : new URLSearchParams(req.body.toString()).get('value');
      if (value === undefined || value === null) return this.err(400, 'Invalid parameters');
      contact.custom_fields = contact.custom_fields.filter((f) => f.id !== field.id).concat({ ...field, value: String(value) });
      return { status: 200, body: { success: true } };
    }
    if (parts[2] === 'send' && parts[3] && m === 'POST') {
      if (this.switches.sendSuccessFalse) return { status: 200, body: { success: false, [this.switches.errorKey]: 'Message could not be sent' } };
      if (parts[3] === 'text') {
        const body = json(req);
        if (!body?.text) return this.err(400, 'Invalid parameters');
        this.sent.push({ contactId: id, kind: 'text', body });
      } else if (parts[3] === 'file') {
        const body = json(req);
        if (!body?.url || !['image', 'video', 'audio', 'document'].includes(body.type)) return this.err(400, 'Invalid parameters');
        this.sent.push({ contactId: id, kind: 'file', body });
      } else {
        const flow = this.flows.find((f) => String(f.id) === parts[3]);
        if (!flow) return this.err(404, 'Flow not found');
        this.sent.push({ contactId: id, kind: 'flow', body: { flow_id: flow.id } });
      }
      return this.sendOk();
    }
    if (parts[2] === 'send_content' && m === 'POST') {
      if (this.switches.sendSuccessFalse) return { status: 200, body: { success: false, [this.switches.errorKey]: 'Message could not be sent' } };
      const body = json(req);
      if (!Array.isArray(body?.messages)) return this.err(400, 'Invalid parameters');
      this.sent.push({ contactId: id, kind: 'content', body });
      return this.sendOk();
    }
    return this.err(404, 'Not found');
  }

  private create(req: SimRequest): SimResponse {
    const body = json(req);
    if (!body?.phone || this.digits(body.phone).length < 7) return this.err(400, 'Invalid parameters');
    const digits = this.digits(body.phone);
    const existing = [...this.contacts.values()].find((c) => this.digits(c.phone) === digits);
    if (existing) return this.created(existing.id);
    // WhatsApp contacts' ids are often the phone digits; keep them distinct to catch id/phone mix-ups.
    const id = this.nextId++;
    this.contacts.set(id, {
      id,
      page_id: 1234567,
      first_name: body.first_name ?? '',
      last_name: body.last_name ?? '',
      channel: 5,
      phone: digits,
      email: body.email ?? '',
      custom_fields: [],
      tags: [],
    });
    return this.created(id);
  }
}
