// Phone numbers, decided by libphonenumber's full metadata (every region), not by one regex.
// A linear scan finds candidate runs of digits and separators; a candidate is only handed to
// the parser when its shape or context says "phone" — a +country code, an international 00,
// E.164 digits without the +, a trunk 0, a parenthesised area code, phone grouping, or a phone
// word just before it — so ids, epoch timestamps, amounts and 15–18-digit ad ids never cost a
// parse, and a number the parser calls invalid for every region it could belong to stays.
//
// National numbers are read in the tenant's country first (Tenant.defaultCountry); a number
// with a trunk 0 or a phone word may also be one of a traveller's or a partner's country.
// Parsing costs ~15 µs per candidate (measured, shared machine), so the regions tried after
// the tenant's are few and ordered by how often our tenants' contacts come from them.
import { parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';

export type Region = CountryCode;

/** Regions a national number with a trunk prefix or a phone word may belong to, after the tenant's. */
const OTHER_REGIONS: CountryCode[] = ['PH', 'US', 'GB', 'DE', 'IN'];
/**
 * Further regions tried only for a number a phone word announces ("电话 13812345678"), whose
 * shape alone says nothing: the countries our tenants' travellers and partners most often write
 * from. Bounded (at most this many parses per labelled candidate), so a line of labelled digits
 * stays linear.
 */
const LABELLED_REGIONS: CountryCode[] = ['CN', 'JP', 'KR', 'SG', 'MY', 'ID', 'TH', 'VN', 'HK', 'TW', 'AE', 'SA', 'AU', 'CA', 'FR', 'ES', 'IT', 'BR', 'MX'];

// Words that announce a phone number, in the languages our tenants' steps and partners write.
// Deliberately absent: "contact" and "id" (CGB contact ids sit next to phone numbers).
const PHONE_WORDS =
  'phone|tel|telp|mobile|mob|cell|cel|cp|llamar|llama|llámame|appeler|appelez|anrufen|chiamare|chiama|ligar|kontak|telepono|telefono|teléfono|celular|móvil|movil|whatsapp|wa|viber|sms|msisdn|handy|telefon|telefonnummer|rufnummer|mobil|mobilnummer|fax|tawagan|contato|ligue|téléphone|portable|手机|電話|电话|携帯|휴대폰|전화|هاتف|جوال|الهاتف|موبايل|טלפון|נייד|תלפון|تلفن|موبایل|शफ़ोन|फ़ोन|फोन|मोबाइल|โทร|điện thoại|sđt|telefone';
const PHONE_WORD = new RegExp(`(?<![A-Za-zÀ-ÿ])(?:${PHONE_WORDS})[^\\n\\d]{0,14}$`, 'iu');

/** A run that may be a phone number: +/00, a parenthesised group, digits and single separators. */
export const PHONE_CANDIDATE = /(?<![\w+])(?:\+ ?)?(?:\(\+?\d{1,5}\) ?[.-]? ?)?\d[\d .\/()-]{3,24}\d\)?/g;

const EXTENSION = /^ ?(?:ext\.?|x|#|доб\.?|ramal|anexo|durchwahl|poste) ?\d{1,6}(?!\d)/i;
const DATE_SHAPE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$/;
const ZIP4_SHAPE = /^\d{5}-\d{4}$/;
const THOUSANDS_SHAPE = /^\d{1,3}(?:[.,]\d{3})+$/;
const EPOCH_SHAPE = /^1[5-9]\d{8}(?:\d{3})?$/;
const YMD_SHAPE = /^(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])/;
const UNIT_AFTER = /^ ?(?:bytes|b\b|kb|mb|ms|s\b|sec|items|orders|rows|pcs|x\b|%)/i;
const TIME_SHAPE = /\d{1,2}:\d{2}/;

function parse(raw: string, region?: CountryCode): PhoneNumber | undefined {
  try {
    return parsePhoneNumberFromString(raw, region);
  } catch {
    return undefined;
  }
}

function validIn(raw: string, regions: Iterable<CountryCode>): boolean {
  for (const r of regions) if (parse(raw, r)?.isValid()) return true;
  return false;
}

function* regionsFor(region: CountryCode, labelled = false): Iterable<CountryCode> {
  yield region;
  for (const r of OTHER_REGIONS) if (r !== region) yield r;
  if (labelled) for (const r of LABELLED_REGIONS) if (r !== region) yield r;
}

/** Separators must be single and parentheses balanced; more than one "/" is a path or a date. */
function wellFormed(raw: string): boolean {
  if (/[ .\/-]{2,}(?![(])|\/.*\//.test(raw)) return false;
  if (!raw.startsWith('+') && /\.\d{1,2}$/.test(raw)) return false;
  let depth = 0;
  for (const ch of raw) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  if (depth !== 0) return false;
  if (raw.startsWith('+')) return true;
  // Phone groups have two digits or more; a second one-digit group is a list or a spaced-out id.
  return (raw.match(/(?:^|[^\d])\d(?!\d)/g)?.length ?? 0) < 2;
}

// Words that say the digits after them are something else: an order, an invoice, a tracking
// number, an account. Numbers without a + after them are not read as phones.
const NOT_PHONE_WORD =
  /(?<![A-Za-zÀ-ÿ])(?:rp|idr|php|usd|eur|inr|rs|brl|r\$|mxn|aed|sar|jpy|cny|krw|vnd|thb|sgd|price|subtotal|betrag|monto|valor|kabuuang|order|ord|orders|invoice|inv|ref|reference|tracking|track|txn|transaction|trx|id|ids|uid|no\.|#|number|shop|store|sku|po|batch|account|acct|act|campaign|adset|ad|page|post|bestellung|auftrag|rechnung|pedido|factura|fatura|recibo|receipt|resibo|awb|waybill|ticket|case|job|build|run|row|rows|seq|serial|barcode|ean|isbn|upc|gtin|amount|total|qty|count|size|bytes|ms|epoch|ts|timestamp)[\s:=#._-]{0,3}$/iu;

/**
 * Whether `raw` (a candidate found at `start` of `text`) is a phone number. `text` is the
 * normalized view: digits and dashes are ASCII whatever the writer used.
 */
export function isPhone(raw: string, text: string, start: number, region: CountryCode): boolean {
  const digits = raw.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return false;
  if (!wellFormed(raw)) return false;
  const before = text.slice(Math.max(0, start - 40), start);
  const labelled = PHONE_WORD.test(before);
  const grouped = /[ .()\/-]/.test(raw);
  if (raw.startsWith('+') || raw.startsWith('(+')) {
    // A + and ten digits or more is a phone number in every log we have seen, valid or not (a
    // mistyped number is still a person's); only shorter runs need the parser's word. Skipping
    // it for the common case halves the cost of a line with a number in it.
    if (digits.length >= 10) return true;
    const p = parse(raw.replace(/^\((\+\d{1,4})\)/, '$1'));
    return !!p && (p.isValid() || (p.isPossible() && digits.length >= 10));
  }
  if (raw.startsWith('00') && !raw.startsWith('000')) {
    if (parse(`+${raw.slice(2)}`)?.isValid()) return true;
  }
  if (DATE_SHAPE.test(raw) || ZIP4_SHAPE.test(raw) || THOUSANDS_SHAPE.test(raw)) return false;
  const trunk = digits.startsWith('0') && digits.length >= 9 && digits.length <= 12;
  // After a word like "number" or "no.", digits are an id or an amount — unless they are written
  // the way only phone numbers are: a trunk 0 and phone grouping, valid in the tenant's country
  // ("my number 0917-123-4567"). An id is not grouped like that.
  // Parsed only after such a word: this runs for every digit run of every log line.
  const phoneWritten = () => trunk && grouped && !raw.includes('/') && !!parse(raw, region)?.isValid();
  // Right after another group of four (an IBAN, a card, a code written in groups) it is that code's tail.
  if (!labelled && ((NOT_PHONE_WORD.test(before) && !phoneWritten()) || /[A-Z0-9]{4} $/.test(before))) return false;
  const bare = raw.startsWith('(') ? raw.replace(/^\((\d+)\)/, '$1') : raw;
  // E.164 digits without the +, as messaging APIs write them (639171234567, 44 7911 123456).
  if (!digits.startsWith('0') && digits.length >= 10 && digits.length <= 14 && !raw.includes('(') && !EPOCH_SHAPE.test(digits)) {
    const p = parse(`+${digits}`);
    if (p?.isValid() && (!grouped || bare.split(/[ .-]/)[0] === p.countryCallingCode)) return true;
  }
  const parenArea = /^\(0?\d{2,4}\)[ .-]?\d/.test(raw);
  const nanp = /^\(?[2-9]\d{2}\)?[-. ]?[2-9]\d{2}[-. ]\d{4}$/.test(raw);
  const groupedNational = grouped && digits.length >= 8 && /^\d{2,5}(?:[ .-]\d{2,4}){1,4}$/.test(raw);
  // Digits alone, as long as the tenant's national numbers: a phone when its metadata says so
  // (ids and order numbers are excluded above by the word before them, epoch seconds here).
  const nationalDigits =
    !grouped && digits.length >= 9 && !EPOCH_SHAPE.test(digits) && !YMD_SHAPE.test(digits) && !/(?<![A-Za-z])contact[\s:=#_-]{0,3}$/i.test(before) && !UNIT_AFTER.test(text.slice(start + raw.length, start + raw.length + 8));
  if (nanp && !labelled && (parse(raw, region)?.isValid() || parse(raw, 'US')?.isPossible())) return true;
  if (trunk || parenArea || labelled) return validIn(raw, regionsFor(region, labelled));
  if (groupedNational || nationalDigits) return !!parse(raw, region)?.isValid();
  return false;
}

/** Reasons the text just before a candidate says it is part of something else (an id, an amount, a time, a path). */
export function gluedToOther(text: string, start: number): boolean {
  const p = text[start - 1];
  if (p === undefined) return false;
  if ('#$€£₱¥@_%&'.includes(p)) return true;
  const p2 = text[start - 2] ?? '';
  if ('.,:/'.includes(p) && /\d/.test(p2)) return true; // 1.234.567, 10:30:00
  if (p === '/' && /[\w.-]/.test(p2)) return true; // a path segment: /orders/09171234567
  if (p === '-' && /[A-Za-z0-9]/.test(p2) && text[start] !== '+') return true; // ORD-2024-118842
  return false;
}

/** Finds phone spans in the normalized view. */
export function findPhones(text: string, region: CountryCode, found: (start: number, end: number) => void): void {
  PHONE_CANDIDATE.lastIndex = 0;
  for (let m = PHONE_CANDIDATE.exec(text); m; m = PHONE_CANDIDATE.exec(text)) {
    let raw = m[0];
    let start = m.index;
    // A bracket the run opened but the text closes elsewhere is not part of the number.
    while (raw.endsWith(')') && raw.split(')').length > raw.split('(').length) raw = raw.slice(0, -1);
    if (raw.startsWith('(') && !raw.includes(')')) {
      raw = raw.slice(1);
      start++;
    }
    const after = text.slice(start + raw.length, start + raw.length + 3);
    // Glued to what follows (a decimal, a word): the run as a whole is not a number, its head may be.
    const gluedAfter = /^(?:\w|[.,\/-]\d|-[A-Za-z])/.test(after);
    if (gluedToOther(text, start) || TIME_SHAPE.test(raw)) continue;
    let end = start + raw.length;
    if ((!gluedAfter && isPhone(raw, text, start, region)) || trimmed(raw, text, start, region, (s, e) => ((start = s), (end = e)))) {
      const ext = EXTENSION.exec(text.slice(end, end + 16));
      if (ext) end += ext[0].length;
      // "(09171234567)": the brackets go with the number, so the line shows "[PHONE]", not "([PHONE])".
      if (text[start - 1] === '(' && text[end] === ')') {
        start--;
        end++;
      }
      found(start, end);
    }
  }
}

/**
 * A run that is not one number may hold one: "0917 123 4567 2" or "ref 12345678 09171234567"
 * ran together. Tries the run without its last group, and from each group that starts like a
 * phone (0, +), at most a few parses.
 */
function trimmed(raw: string, text: string, start: number, region: CountryCode, set: (s: number, e: number) => void): boolean {
  const groups = [...raw.matchAll(/[^ ]+/g)];
  if (groups.length < 2 || groups.length > 8) return false;
  for (let i = 1; i < groups.length; i++) {
    const g = groups[i]!;
    if (!/^[0+(]/.test(g[0])) continue;
    const sub = raw.slice(g.index);
    if (sub.replace(/\D/g, '').length >= 9 && isPhone(sub, text, start + g.index, region)) {
      set(start + g.index, start + raw.length);
      return true;
    }
  }
  const last = groups.at(-1)!;
  const head = raw.slice(0, last.index).trimEnd();
  if (head.replace(/\D/g, '').length >= 9 && isPhone(head, text, start, region)) {
    set(start, start + head.length);
    return true;
  }
  return false;
}
