// `whatsapp.send`: one message to each recipient through CGB, at most once per recipient per
// execution step. The OutboundMessage row (unique on tenant + `${ctx.idempotencyKey}:${recipient}`)
// is written BEFORE CGB is called, so a retried or re-run step finds it and does not send again:
//   SENT                      → skip, return the existing id
//   FAILED and surely unsent  → claim it again (PENDING) and try once more
//   PENDING, before the send call, quiet for 5 min → a crashed attempt: take it over
//   PENDING at/after the send call, or a failed send of unknown outcome → refuse: CGB has no
//   idempotency key, so a resend could message the person twice
import type { StepContext, StepRunner } from '../../engine/steps/types.ts';
import { StepError } from '../../engine/steps/types.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { CancelledError } from '../http.ts';
import { CgbClient, CgbError, type CgbClientOptions, type MediaType } from './cgb-client.ts';
import { toE164 } from './phone.ts';
import { retryWhileDatabaseUnavailable } from '../../db.ts';

export interface CgbConnection {
  baseUrl: string;
  token: string;
  /** Template (flow) name → CGB flow id, from the integration's config. */
  flows: Record<string, string>;
}

export interface WhatsAppSendConfig {
  to: string | string[];
  text?: string;
  /** A CGB flow name (an approved WhatsApp template set up in CGB). */
  template?: string;
  flowId?: string | number;
  media?: { url: string; type: MediaType };
  /** Custom field id or name → value, set on the contact before the send. */
  customFields?: Record<string, string>;
  firstName?: string;
  lastName?: string;
}

export interface WhatsAppSendDeps {
  resolveConnection(ctx: StepContext): Promise<CgbConnection>;
  clientOptions?: Partial<CgbClientOptions>;
}

type Message = { kind: 'text'; text: string } | { kind: 'flow'; template?: string; flowId?: string } | { kind: 'media'; url: string; type: MediaType };

const SOURCE = 'whatsapp';
/** A PENDING send untouched this long, before its send call, belongs to a dead attempt. */
const ABANDONED_AFTER_MS = 5 * 60_000;

function invalid(message: string): StepError {
  return new StepError(message, { retryable: false, source: SOURCE, code: 'INVALID_CONFIG' });
}

function parseConfig(config: WhatsAppSendConfig): { recipients: string[]; message: Message } {
  const recipients = (Array.isArray(config?.to) ? config.to : [config?.to]).filter((r) => r !== undefined && r !== null && String(r).trim() !== '').map(String);
  if (recipients.length === 0) throw invalid('whatsapp.send needs "to" (a phone number or a list of them)');
  const kinds = [config.text !== undefined, config.template !== undefined || config.flowId !== undefined, config.media !== undefined].filter(Boolean).length;
  if (kinds !== 1) throw invalid('whatsapp.send needs exactly one of "text", "template"/"flowId" or "media"');
  if (config.text !== undefined) {
    if (typeof config.text !== 'string' || !config.text.trim()) throw invalid('"text" must be a non-empty string');
    return { recipients, message: { kind: 'text', text: config.text } };
  }
  if (config.media !== undefined) {
    const { url, type } = config.media ?? ({} as WhatsAppSendConfig['media'] & object);
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw invalid('"media.url" must be an http(s) URL');
    if (!['image', 'video', 'audio', 'document'].includes(type)) throw invalid('"media.type" must be image, video, audio or document');
    return { recipients, message: { kind: 'media', url, type } };
  }
  return { recipients, message: { kind: 'flow', template: config.template, flowId: config.flowId === undefined ? undefined : String(config.flowId) } };
}

export function createWhatsAppSendStep(deps: WhatsAppSendDeps): StepRunner<WhatsAppSendConfig> {
  return {
    type: 'whatsapp.send',
    retrySafe: true,
    async run(ctx, config) {
      const { recipients: raw, message } = parseConfig(config);
      const recipients: string[] = [];
      for (const r of raw) {
        const e164 = toE164(r, ctx.defaultCountry);
        if (!e164) throw invalid(`"${r}" is not a valid phone number (default country ${ctx.defaultCountry})`);
        if (!recipients.includes(e164)) recipients.push(e164);
      }
      const conn = await deps.resolveConnection(ctx);
      const client = new CgbClient({ ...deps.clientOptions, baseUrl: conn.baseUrl, token: conn.token, signal: ctx.signal });
      let flowId: string | undefined;
      if (message.kind === 'flow') flowId = message.flowId ?? (await resolveFlow(client, conn, message.template!));

      const ids: string[] = [];
      for (const recipient of recipients) {
        if (ctx.signal.aborted) throw new StepError('cancelled', { retryable: false, source: SOURCE });
        ids.push(await sendOnce(ctx, client, recipient, message, flowId, config));
      }
      return { messageId: ids[0], messageIds: ids, sent: ids.length };
    },
  };
}

async function resolveFlow(client: CgbClient, conn: CgbConnection, template: string): Promise<string> {
  if (typeof template !== 'string' || !template) throw invalid('"template" must be a flow name');
  const mapped = conn.flows[template];
  if (mapped) return String(mapped);
  const flows = await client.listFlows().catch((err) => {
    throw asStepError(err, {});
  });
  const found = flows.find((f) => f.name === template) ?? flows.find((f) => f.name.toLowerCase() === template.toLowerCase());
  if (!found) throw new StepError(`no CGB flow named "${template}" (map it in the integration config or create it in CGB)`, { retryable: false, source: SOURCE, code: 'UNKNOWN_TEMPLATE' });
  return found.id;
}

function asStepError(err: unknown, extra: { recipient?: string }): StepError {
  if (err instanceof StepError) return err;
  if (err instanceof CancelledError) return new StepError('cancelled', { retryable: false, source: SOURCE });
  if (err instanceof CgbError) return new StepError(err.message, { retryable: err.transient, source: SOURCE, code: err.status, ...extra });
  return new StepError(String((err as Error)?.message ?? err), { retryable: true, source: SOURCE, ...extra });
}

async function sendOnce(ctx: StepContext, client: CgbClient, recipient: string, message: Message, flowId: string | undefined, config: WhatsAppSendConfig): Promise<string> {
  const { db, tenantId } = ctx;
  const idempotencyKey = `${ctx.idempotencyKey}:${recipient}`;
  const payload = { ...message, ...(flowId ? { flowId } : {}), ...(config.customFields ? { customFields: config.customFields } : {}) } as Prisma.InputJsonValue;
  const created = await db.outboundMessage.createManyAndReturn({
    data: [{ tenantId, executionId: ctx.executionId, step: ctx.stepKey, idempotencyKey, recipient, kind: message.kind, payload, attempts: 1 }],
    skipDuplicates: true,
  });
  let record = created[0];
  if (!record) {
    const existing = await db.outboundMessage.findUniqueOrThrow({ where: { tenantId_idempotencyKey: { tenantId, idempotencyKey } } });
    if (existing.status === 'SENT') {
      ctx.log({ level: 'INFO', message: 'WhatsApp message already sent; not sending again', metadata: { messageId: existing.id } });
      return existing.id;
    }
    const err = existing.error as { notSent?: boolean } | null;
    // A PENDING row without a contact never reached the send call; if its attempt has gone
    // quiet (a crashed worker), it is safe to take over.
    const abandoned = existing.status === 'PENDING' && existing.contactId === null;
    if (abandoned && Date.now() - existing.updatedAt.getTime() < ABANDONED_AFTER_MS) {
      throw new StepError(`message ${existing.id} is being prepared by another attempt`, { retryable: true, source: SOURCE });
    }
    if (!abandoned && (existing.status === 'PENDING' || !err?.notSent)) {
      throw new StepError(`an earlier attempt to message ${recipient} has an unknown outcome (message ${existing.id}); not resending to avoid a duplicate`, {
        retryable: false,
        source: SOURCE,
        code: 'OUTCOME_UNKNOWN',
      });
    }
    // Claim the row atomically (status and last update unchanged) so two attempts cannot both send.
    const claimed = await db.outboundMessage.updateMany({
      where: { id: existing.id, tenantId, status: existing.status, updatedAt: existing.updatedAt },
      data: { status: 'PENDING', contactId: null, attempts: { increment: 1 } },
    });
    if (claimed.count === 0) throw new StepError(`message ${existing.id} is being sent by another attempt`, { retryable: true, source: SOURCE });
    record = existing;
  }

  let contactId: string | undefined;
  let sending = false;
  try {
    const contact = (await client.findContactByPhone(recipient)) ?? (await client.createContact({ phone: recipient, firstName: config.firstName, lastName: config.lastName }));
    contactId = contact.id;
    if (config.customFields && Object.keys(config.customFields).length) {
      const known = Object.keys(config.customFields).some((k) => !/^-?\d+$/.test(k)) ? await client.listCustomFields() : [];
      for (const [key, value] of Object.entries(config.customFields)) {
        const fieldId = /^-?\d+$/.test(key) ? key : known.find((f) => f.name === key)?.id;
        if (!fieldId) throw new StepError(`no CGB custom field named "${key}"`, { retryable: false, source: SOURCE, code: 'UNKNOWN_FIELD' });
        await client.setCustomField(contact.id, fieldId, String(value));
      }
    }
    // From here on a crash leaves the outcome unknown: the contact on a PENDING row marks that.
    await db.outboundMessage.update({ where: { id: record.id }, data: { contactId } });
    sending = true;
    const response =
      message.kind === 'text'
        ? await client.sendText(contact.id, message.text)
        : message.kind === 'media'
          ? await client.sendMedia(contact.id, message.url, message.type)
          : await client.sendFlow(contact.id, flowId!);
    // The message went out. Only this process knows; if PostgreSQL is down right now the write
    // waits for it, or a re-run would find the outcome unknown and fail the run to be safe.
    await retryWhileDatabaseUnavailable(() =>
      db.outboundMessage.update({
        where: { id: record.id },
        data: { status: 'SENT', contactId, sentAt: new Date(), providerResponse: (response ?? {}) as Prisma.InputJsonValue },
      }),
    );
    ctx.log({ level: 'INFO', message: `WhatsApp ${message.kind} sent`, metadata: { messageId: record.id, contactId } });
    return record.id;
  } catch (err) {
    const notSent = !sending || (err instanceof CgbError && err.definitelyNotApplied);
    const stepErr = asStepError(err, {});
    // Likewise "surely not sent" (e.g. the database went away before the send call) lets a
    // re-run send it; lost, the row would read as an attempt still in progress.
    await retryWhileDatabaseUnavailable(() =>
      db.outboundMessage.update({
        where: { id: record.id },
        data: { status: 'FAILED', contactId, error: { message: stepErr.message, code: stepErr.details.code ?? null, notSent } },
      }),
    );
    ctx.log({ level: 'ERROR', message: `WhatsApp send failed: ${stepErr.message}`, metadata: { messageId: record.id } });
    throw stepErr;
  }
}
