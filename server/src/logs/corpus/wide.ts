// The wide redaction corpus: many thousands of log lines in fourteen languages (RTL Arabic,
// Hebrew and Persian, Filipino/Taglish, CJK, Hindi, European) and in the shapes our real
// sources write (CGB webhooks, Meta Graph and Pancake POS payloads, Chromium/puppeteer errors,
// Node stack traces, pino lines, HTTP access lines, SQL errors, env dumps), each line with the
// spans a redactor must replace and the near-misses it must keep. The tenant's country varies
// with the language (its national phone formats are drawn for it). Seeded: every run measures
// the same lines. Built to be unlike the narrow generate.ts corpus the redactor grew up on.
import {
  fakerAR, fakerDE, fakerEN, fakerEN_IN, fakerES, fakerFA, fakerFR, fakerHE, fakerJA, fakerKO, fakerPT_BR, fakerZH_CN, type Faker,
} from '@faker-js/faker';
import type { CountryCode } from 'libphonenumber-js/max';
import type { RedactionKind } from '../redact.ts';
import * as v from './wide-values.ts';

export interface WideLine {
  text: string;
  lang: string;
  region: CountryCode;
  spans: { start: number; end: number; kind: RedactionKind }[];
  keeps: { start: number; end: number; name: string }[];
}

interface Lang {
  faker: Faker;
  regions: CountryCode[];
  templates: string[];
}

const FILIPINO_NAMES = ['Juan dela Cruz', 'Maria Clara Santos', 'Aling Nena', 'Jose Rizal Mercado', 'Kristine Reyes', 'Paolo Bautista', 'Liza Mendoza', 'Mang Tomas'];

// {phone} {email} {card} {iban} {id} {ip} {cred} {n} (near-miss) {name} {city} {product} {count}
const LANGS: Record<string, Lang> = {
  en: {
    faker: fakerEN,
    regions: ['US', 'GB', 'AU', 'SG', 'CA'],
    templates: [
      'Sent WhatsApp template order_confirmed to {phone} for {n}',
      'Customer {name} <{email}> updated mobile to {phone} on {n}',
      'card {card} declined by gateway ({n}), billing {email}',
      'Refund to {iban} queued for {name}, ref {n}',
      'KYC check: {id} verified for {name} ({n})',
      'Request from {ip} took {n} for {n}',
      'Using {cred} for tenant sync {n}',
      'Call {name} at {phone} about {n}, {count} items of {product}',
      'Daily sync for {n}: {count} orders, {count} ads, {n}',
      'Order {n} shipped to {city} via {n}, ETA {n}',
    ],
  },
  tl: {
    faker: fakerEN,
    regions: ['PH'],
    templates: [
      'Tawagan si {name} sa {phone} tungkol sa {n}',
      'Naipadala na ang resibo sa {email} para sa {n}, kabuuang {n}',
      'Hindi ma-send ang message sa {phone}, subukan ulit mamaya ({n})',
      'Salamat po! Order {n} ay confirmed. Contact {phone} o {email}',
      'Na-verify ang {id} ni {name} noong {n}',
      'Bayad gamit ang card {card} para sa {n}',
      'Lipat ng pondo sa {iban} ({n})',
      'Paki-text po sa ({phone}) ang tracking {n}',
    ],
  },
  es: {
    faker: fakerES,
    regions: ['ES', 'MX'],
    templates: [
      'Pedido {n} enviado a {email}; teléfono {phone}',
      'No se pudo contactar al cliente {name} en {phone} desde {ip}',
      'El cliente {name} pagó {n} con tarjeta {card}',
      'Transferencia a {iban} programada para {n}',
      'Verificación de {id} completada ({n})',
      'Envío a {city}: {count} unidades de {product}, factura {n}',
    ],
  },
  pt: {
    faker: fakerPT_BR,
    regions: ['BR', 'PT'],
    templates: [
      'Pedido {n} enviado para {email}, telefone {phone}',
      'Cliente {name} ({phone}) pagou {n} com cartão {card}',
      'Falha ao enviar mensagem para {phone}: {n}',
      'Documento {id} validado para {name} em {n}',
      'Pix/transferência para {iban} em {n}',
    ],
  },
  de: {
    faker: fakerDE,
    regions: ['DE', 'AT', 'CH'],
    templates: [
      'Zahlung für Bestellung {n} fehlgeschlagen: IBAN {iban}, Betrag {n}',
      'Kunde {name} hat Telefonnummer {phone} und E-Mail {email} angegeben',
      'Rückruf erbeten unter {phone} ({n})',
      'Dokumentprüfung {id} abgeschlossen ({n})',
      'Karte {card} abgelehnt, Versand nach {city} am {n}',
    ],
  },
  fr: {
    faker: fakerFR,
    regions: ['FR'],
    templates: [
      'Commande {n} envoyée à {email}, téléphone {phone}',
      'Paiement refusé pour la carte {card} ({n})',
      'Virement vers {iban} prévu le {n}',
      'Contrôle {id} validé pour {name}',
    ],
  },
  ar: {
    faker: fakerAR,
    regions: ['AE', 'SA', 'EG'],
    templates: [
      'تم إرسال الرسالة إلى {phone} بخصوص الطلب {n}',
      'العميل {name} البريد {email} الهاتف:{phone}',
      'فشل الدفع بالبطاقة {card} للطلب {n}',
      'تم التحقق من {id} بتاريخ {n}',
      'تحويل إلى {iban} بمبلغ {n}',
      'طلب من {ip} استغرق {n}',
    ],
  },
  he: {
    faker: fakerHE,
    regions: ['IL'],
    templates: [
      'ההודעה נשלחה ל-{phone} עבור הזמנה {n}',
      'הלקוח {name} עדכן דוא"ל ל-{email} וטלפון {phone}',
      'כרטיס {card} נדחה ({n})',
      'אימות {id} הושלם ב-{n}',
      'העברה לחשבון {iban} בסך {n}',
    ],
  },
  fa: {
    faker: fakerFA,
    regions: ['IR'],
    templates: [
      'پیام به {phone} برای سفارش {n} ارسال شد',
      'مشتری {name} ایمیل {email} و تلفن {phone}',
      'پرداخت با کارت {card} ناموفق بود ({n})',
      'بررسی {id} انجام شد',
    ],
  },
  zh: {
    faker: fakerZH_CN,
    regions: ['CN'],
    templates: [
      '已向{phone}发送订单{n}的通知',
      '客户{name}的邮箱{email}，电话 {phone}',
      '银行卡{card}支付失败（{n}）',
      '已核验{id}，时间{n}',
      '来自{ip}的请求耗时{n}',
    ],
  },
  ja: {
    faker: fakerJA,
    regions: ['JP'],
    templates: [
      '注文{n}の確認を{phone}に送信しました',
      'お客様{name}（{email}）電話 {phone}',
      'カード{card}の決済に失敗しました（{n}）',
      '{id}の確認が完了しました',
    ],
  },
  ko: {
    faker: fakerKO,
    regions: ['KR'],
    templates: [
      '주문 {n} 알림을 {phone}(으)로 보냈습니다',
      '고객 {name} 이메일 {email} 전화 {phone}',
      '카드 {card} 결제 실패 ({n})',
      '{id} 확인 완료',
    ],
  },
  hi: {
    faker: fakerEN_IN,
    regions: ['IN'],
    templates: [
      'ऑर्डर {n} की सूचना {phone} पर भेजी गई',
      'ग्राहक {name} का ईमेल {email} और फ़ोन {phone} है',
      'कार्ड {card} से भुगतान विफल ({n})',
      '{id} सत्यापित, राशि {n}',
      'Payment reminder sent to {phone} ({name}), amount {n}',
    ],
  },
  // The shapes our own sources and partners write, in English.
  source: {
    faker: fakerEN,
    regions: ['PH', 'PH', 'US'],
    templates: [
      'cgb webhook {"event":"message.received","contact":{"id":{count},"phone":"{phone}","email":"{email}"},"ts":{n}}',
      'CGB POST /api/contacts/find_by_custom_field 404 for {phone} (contact {n}) X-ACCESS-TOKEN set',
      'Meta Graph error {"error":{"message":"Invalid OAuth access token.","code":190,"fbtrace_id":"{n}"}} for {cred}',
      'GET https://graph.facebook.com/v23.0/act_123456789012345/insights?{cred}&level=ad 400 ({n})',
      'Pancake order {"id":"{n}","bill_phone_number":"{phone}","customer":{"name":"{name}","emails":["{email}"]},"total_price":{n}}',
      'Error: Navigation timeout of 30000 ms exceeded at https://app.example.com/invoice?email={email}&{n}',
      'ProtocolError: Protocol error (Runtime.callFunctionOn): Target closed. ({n}) rendering for {phone}',
      'TypeError: Cannot read properties of undefined (reading \'phone\') at sendMessage (/app/dist/steps/whatsapp.js:42:17) for {email} {n}',
      '{"level":30,"time":{n},"pid":{count},"msg":"sent to {phone}","tenantId":"{n}"}',
      '{ip} - - [04/Dec/2026:10:12:01 +0000] "GET /api/contacts?email={email}&phone={phone} HTTP/1.1" 200 {count} "-" "Mozilla/5.0 ({n})"',
      'error: duplicate key value violates unique constraint "Contact_phone_key" DETAIL: Key (phone)=({phone}) already exists. {n}',
      'error: invalid input syntax for type uuid: "{n}" at character {count}, query for {email}',
      'env: {cred} NODE_ENV=production PORT={count}',
      'curl -H "{cred}" https://api.example.com/v1/orders/{n}',
      'Webhook delivery to {ip}:443 failed after {n}; payload card {card}',
      'POS sync shop {n}: {count} orders, customer {name} {phone}, {n}',
      'Retrying {cred} after {n}',
      'contact {count} phone {phone} email {email} ({n})',
    ],
  },
};

type Slot = 'phone' | 'email' | 'card' | 'iban' | 'id' | 'ip' | 'cred' | 'n' | 'name' | 'city' | 'product' | 'count';

function fill(f: Faker, slot: Slot, lang: string, region: CountryCode): v.Piece {
  switch (slot) {
    case 'phone': return v.phone(f, region, lang);
    case 'email': return v.email(f);
    case 'card': return v.card(f);
    case 'iban': return v.iban(f);
    case 'id': return v.labelledId(f, lang);
    case 'ip': return v.ip(f);
    case 'cred': return v.credential(f);
    case 'n': return v.nearMiss(f);
    case 'name': return { text: lang === 'tl' ? f.helpers.arrayElement(FILIPINO_NAMES) : f.person.fullName() };
    case 'city': return { text: f.location.city() };
    case 'product': return { text: f.commerce.productName() };
    case 'count': return { text: String(f.number.int({ min: 1, max: 5000 })) };
  }
}

export const WIDE_LANGUAGES = Object.keys(LANGS);

export function generateWideCorpus(seed = 15_2026, perLanguage = 1_000): WideLine[] {
  const lines: WideLine[] = [];
  for (const [li, [lang, def]] of Object.entries(LANGS).entries()) {
    const f = def.faker;
    f.seed(seed + li);
    for (let i = 0; i < perLanguage * (lang === 'source' ? 3 : 1); i++) {
      const template = def.templates[i % def.templates.length]!;
      const region = f.helpers.arrayElement(def.regions);
      const line: WideLine = { text: '', lang, region, spans: [], keeps: [] };
      let at = 0;
      for (const m of template.matchAll(/\{(phone|email|card|iban|id|ip|cred|n|name|city|product|count)\}/g)) {
        line.text += template.slice(at, m.index);
        const piece = fill(f, m[1] as Slot, lang, region);
        const base = line.text.length;
        const [s, e] = piece.inner ?? [0, piece.text.length];
        if (piece.kind) line.spans.push({ start: base + s, end: base + e, kind: piece.kind });
        if (piece.keep) line.keeps.push({ start: base, end: base + piece.text.length, name: piece.keep });
        line.text += piece.text;
        at = m.index + m[0].length;
      }
      line.text += template.slice(at);
      lines.push(line);
    }
  }
  return lines;
}
