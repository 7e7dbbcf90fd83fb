// The labelled redaction corpus: realistic workflow log lines (English, Tagalog/Taglish,
// Spanish, German) built from templates, each with the exact spans a redactor must replace.
// Seeded, so every run measures the same lines.
import type { RedactionKind } from '../redact.ts';
import * as v from './values.ts';

export interface LabelledLine {
  text: string;
  spans: { start: number; end: number; kind: RedactionKind }[];
}

type Slot = keyof typeof SLOTS;
const SLOTS = {
  email: v.email,
  phone: v.phone,
  bare: v.barePhone,
  card: v.card,
  iban: v.iban,
  id: v.labelledId,
  ip: v.ip,
  jwt: v.jwt,
  bearer: v.bearer,
  key: v.apiKey,
  secret: v.secretPair,
  url: v.urlWithCredentials,
  n: v.nearMiss,
  name: (rng: v.Rng): v.Value => ({ text: v.pick(rng, ['Juan', 'Maria Santos', 'Herr Müller', 'Priya', 'Lucas', 'Aling Nena', 'Señora López']) }),
  count: (rng: v.Rng): v.Value => ({ text: String(v.int(rng, 1, 5000)) }),
};

// {slot} placeholders; a phone word precedes every {bare}.
const TEMPLATES = [
  'Sent WhatsApp template order_confirmed to {phone} for {n}',
  'CGB contact lookup failed for {phone}: 404 not found ({n})',
  'Tawagan si {name} sa {phone} tungkol sa {n}',
  'Naipadala na ang resibo sa {email} para sa {n}, kabuuang {n}',
  'Hindi ma-send ang message sa {phone}, subukan ulit mamaya ({n})',
  'Customer {name} <{email}> updated mobile to {phone} on {n}',
  'Pedido {n} enviado a {email}; teléfono {bare}',
  'No se pudo contactar al cliente {phone} desde {ip} ({n})',
  'Zahlung für Bestellung {n} fehlgeschlagen: IBAN {iban}, Betrag {n}',
  'Kunde {name} hat Telefonnummer {phone} und E-Mail {email} angegeben',
  'Rückruf erbeten unter {phone} ({n})',
  'card {card} declined by gateway at {n} ({n})',
  'Payment method **** replaced: {card}, billing {email}',
  'Refund to {iban} queued, ref {n}',
  'KYC check: {id} verified for {name} on {n}',
  'Verified {id} and {id}',
  'Dokumentprüfung {id} abgeschlossen ({n})',
  'Request from {ip} took {n}',
  'upstream {ip} reset connection after {n}',
  'Meta Graph call failed: {bearer} rejected ({n})',
  'Supabase upload with apikey {jwt} returned HTTP 403',
  'Webhook signature ok, session {jwt}',
  'Using API key {key} for tenant sync {n}',
  'Rotated key {key}; old key revoked {n}',
  'Config dump: {secret} host=db.internal {n}',
  'Connecting to {url} (attempt {count})',
  'Retrying {url} after {n}',
  'Daily sync for {n}: {count} orders, {count} ads, {n}',
  'Synced {count} POS orders between {n} and {n} ({n})',
  'Render PDF for {n} done in {n}, {n}',
  'Build {n} deployed at {n} ({n})',
  'Order {n} shipped via {n}, ETA {n}',
  'Step fetch_orders finished ({n}, {n})',
  'contact: phone={bare} email={email}',
  'Mobile: {bare}; WhatsApp {phone}',
  'Tel. {bare} / Handy {phone}',
  'numero ng telepono {bare} - {name}',
  'GET /api/v1/contacts?email={email}&{secret} from {ip}',
  'Payload {"to":"{phone}","template":"promo","ref":"{n}"}',
  'Error: ECONNRESET {ip}:{count} while sending to {email}',
  'Salamat po! Order {n} ay confirmed, amount {n}. Contact {phone} o {email}',
  'Bestellung {n} vom {n}: Lieferung an {name}, Tel. {phone}',
  'El cliente {name} pagó {n} con tarjeta {card}',
  'Invoice {n} for {n} sent to {email}, CC {email}',
  'Lead {name} ({email}, {phone}) assigned; passport check {id}',
  'Payout to {iban} ({name}) scheduled for {n}',
  'Job {n} stalled; moved back to wait ({n})',
  'Rate limited by Pancake, retrying in {n} ({n})',
  'Cron drift {n} for slot {n}',
  'Imported {count} contacts; first {phone}, last {phone}',
] as const;

export function generateCorpus(seed = 20261123, count = 2500): LabelledLine[] {
  const rng = v.seededRng(seed);
  const lines: LabelledLine[] = [];
  for (let i = 0; i < count; i++) {
    const template = TEMPLATES[i % TEMPLATES.length]!;
    let text = '';
    const spans: LabelledLine['spans'] = [];
    let at = 0;
    for (const m of template.matchAll(/\{(\w+)\}/g)) {
      text += template.slice(at, m.index);
      const value = SLOTS[m[1] as Slot](rng);
      if (value.kind) {
        const [s, e] = value.inner ?? [0, value.text.length];
        spans.push({ start: text.length + s, end: text.length + e, kind: value.kind });
      }
      text += value.text;
      at = m.index + m[0].length;
    }
    lines.push({ text: text + template.slice(at), spans });
  }
  return lines;
}
