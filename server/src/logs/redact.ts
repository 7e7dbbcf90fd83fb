// PII redaction applied to every workflow log line (and the process's own logs) before it is
// stored or printed, and to run data (input, outputs, errors, alert payloads) as the API shows
// it. Threat model: log lines and run data carry whatever steps and outside APIs hand us —
// contact lists, API errors that echo requests, tokens in URLs — and are readable by every
// VIEWER key of the tenant and kept for months, so identifiers are replaced, never masked
// partially.
//
// Detection runs on a folded view of the text (redact-normalize.ts: look-alike digits, dashes
// and spaces as ASCII, invisible marks dropped, each position mapped back to the original) as
// ordered passes: credentials (redact-credentials.ts), e-mails, IBANs, ids, cards, IPs, then
// phones (redact-phone.ts, libphonenumber in the tenant's country first). Each pass finds
// spans, validates them (Luhn, mod-97, phone metadata, IP syntax) and masks them with a
// same-length filler so later passes neither re-match nor shift offsets; the output swaps each
// span for its kind.
// Every pattern is linear-time: each one starts only at a token boundary (a lookbehind on the
// characters its first run consumes, so a run of N such characters is entered once, not N
// times), and every repetition that can follow another is either bounded or separated by a
// required delimiter, so backtracking per start is bounded by a constant or the run length.
import { isIP, isIPv6 } from 'node:net';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { CREDENTIAL_PATTERNS } from './redact-credentials.ts';
import { normalizeForDetection, toOriginal } from './redact-normalize.ts';
import { findPhones, type Region } from './redact-phone.ts';

/**
 * Loopback and "any" addresses name this machine, not a person: keeping them readable leaves
 * the process's own logs ("listening on 127.0.0.1:4000") useful and reveals nothing.
 */
function isHostOnly(ip: string): boolean {
  return /^127\./.test(ip) || ip === '0.0.0.0' || ip === '::1' || ip === '::';
}

import { type RedactionKind } from './redact-kinds.ts';
export { REDACTION_KINDS, type RedactionKind } from './redact-kinds.ts';

export interface RedactionSpan {
  start: number;
  end: number;
  kind: RedactionKind;
}

// A filler that is not a word character, digit, or any character a pattern consumes, so a
// masked span behaves like the bracketed tag that finally replaces it.
const MASK = '\u0001';

export interface RedactOptions {
  /** ISO 3166 country national phone numbers are read in first: the tenant's defaultCountry. */
  region?: string;
}

const DEFAULT_REGION: Region = 'PH';

function regionOf(options: RedactOptions | undefined): Region {
  const r = options?.region?.toUpperCase();
  return r && isSupportedCountry(r) ? (r as Region) : DEFAULT_REGION;
}

type Pass = (text: string, found: (start: number, end: number, kind: RedactionKind) => void, region: Region) => void;

/**
 * `hint`: a character or word every match contains. A line without it skips the pattern: most
 * log lines have no "@", no "://", no "=", and an indexOf is far cheaper than a regex scan.
 */
function regexPass(
  re: RegExp,
  decide: (m: RegExpExecArray, text: string) => { start: number; end: number; kind: RedactionKind } | null,
  hint?: (text: string) => boolean,
): Pass {
  return (text, found) => {
    if (hint && !hint(text)) return;
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const hit = decide(m, text);
      if (hit) found(hit.start, hit.end, hit.kind);
      if (m[0].length === 0) re.lastIndex++;
    }
  };
}

const whole =
  (kind: RedactionKind) =>
  (m: RegExpExecArray): RedactionSpan => ({ start: m.index, end: m.index + m[0].length, kind });

/** The span of capture group `g` (requires the `d` flag). */
const group =
  (g: number, kind: RedactionKind) =>
  (m: RegExpExecArray): RedactionSpan | null => {
    const r = m.indices?.[g];
    return r ? { start: r[0], end: r[1], kind } : null;
  };

// ---- validators -------------------------------------------------------------------------

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Issuer prefixes of the card networks (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro). */
const CARD_PREFIX = /^(?:4|5[1-5]|2(?:22[1-9]|2[3-9]|[3-6]|7[01]|720)|3[47]|3[05689]|6(?:011|5|4[4-9]|2)|5[06-9]|6[37])/;
const META_ID_LABEL = /(?:\bad|adset|ad_set|campaign|account|act|ids?|page|post|object|creative|pixel|business|catalog|product|user|psid|wa_?id)[\s_:=#"'-]{0,4}$/i;

function cardDigits(raw: string, before: string): string | null {
  const digits = raw.replace(/[ .-]/g, '');
  if (digits.length < 13 || digits.length > 19) return null;
  // Unseparated 13/17/18-digit runs are barcodes (EAN-13) and ad-platform ids far more often
  // than the rare cards of those lengths.
  if (digits.length === raw.length && ![14, 15, 16, 19].includes(digits.length)) return null;
  // Unseparated, after an ad-platform or object id label: Meta ad/campaign/account ids are
  // 15-18 digits and one in ten passes Luhn.
  if (digits.length === raw.length && META_ID_LABEL.test(before)) return null;
  // Separators, when present, must be consistent grouping (4-4-4-4, 4-6-5, 4-4-4-4-3).
  if (digits.length !== raw.length) {
    const groups = raw.split(/[ .-]/);
    const seps = new Set(raw.replace(/\d/g, ''));
    if (seps.size !== 1) return null;
    const shape = groups.map((g) => g.length).join('-');
    if (!['4-4-4-4', '4-6-5', '4-6-4', '4-4-4-4-3', '4-4-4-1', '4-4-4-2', '4-4-4-3', '4-4-5'].includes(shape)) return null;
  }
  return CARD_PREFIX.test(digits) && luhnValid(digits) ? digits : null;
}

const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22,
  DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28,
  HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LI: 21, LT: 20, LU: 20,
  LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25,
  QA: 29, RO: 24, RS: 22, SA: 24, SE: 24, SI: 19, SK: 24, SM: 27, TN: 24, TR: 26, UA: 29, VG: 24, XK: 20,
};

export function ibanValid(raw: string): boolean {
  const iban = raw.replace(/ /g, '').toUpperCase();
  if (IBAN_LENGTHS[iban.slice(0, 2)] !== iban.length) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const code = ch.charCodeAt(0);
    const v = code >= 65 ? String(code - 55) : ch;
    for (const d of v) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

/** US social security numbers have a shape of their own (3-2-4) that dates and phones lack. */
function ssnValid(raw: string): boolean {
  const [area, groupNo, serial] = raw.split('-');
  return area !== '000' && area !== '666' && !area!.startsWith('9') && groupNo !== '00' && serial !== '0000';
}

/** Brazil's CPF (ddd.ddd.ddd-dd) carries two check digits. */
function cpfValid(raw: string): boolean {
  const d = raw.replace(/\D/g, '');
  if (/^(\d)\1{10}$/.test(d)) return false;
  for (const n of [9, 10]) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Number(d[i]) * (n + 1 - i);
    if (((sum * 10) % 11) % 10 !== Number(d[n])) return false;
  }
  return true;
}

// Labels of passport and national-id numbers, in the languages of our tenants and their customers.
const ID_LABELS = [
  'passport', 'pasaporte', 'passaporte', 'passeport', 'reisepass', 'pass-?nr', 'passnummer', 'paspor',
  'ssn', 'social security', 'sss', 'tin', 'umid', 'philsys', 'psn', 'philhealth', 'pag-?ibig', 'gsis', "voter'?s id", 'prc id', 'postal id',
  'national id', 'nationalid', 'national identity', 'id card', 'identity card', 'personalausweis', 'ausweis(?:nummer)?', 'steuer-?id', 'steueridentifikationsnummer',
  'aadhaar', 'aadhar', 'pan', 'cpf', 'rg', 'dni', 'nie', 'nif', 'curp', 'rfc', 'nin', 'national insurance', 'nric', 'hkid', 'emirates id', 'iqama', 'cnic', 'nik', 'ktp', 'tfn', 'bsn', 'pesel', 'codice fiscale',
  "driver'?s licen[cs]e", 'licen[cs]e no', 'id no', 'id number', 'id#', 'numéro de passeport', 'número de pasaporte', 'carte d.identité', 'cédula', 'cedula',
  'جواز السفر', 'جواز سفر', 'رقم الهوية', 'الهوية', 'דרכון', 'תעודת זהות', 'ת\\.ז', 'گذرنامه', 'پاسپورت', 'کد ملی', 'شماره ملی',
  '护照', '護照', '身份证', '身分證', 'パスポート', '旅券', 'マイナンバー', '여권', '주민등록번호', 'पासपोर्ट', 'आधार', 'पैन', 'hộ chiếu', 'cccd', 'หนังสือเดินทาง', 'pasaport', 'kimlik no', 'tc kimlik',
].join('|');

// ---- passes, in order -------------------------------------------------------------------

const PASSES: Pass[] = [
  ...CREDENTIAL_PATTERNS.map((p) =>
    regexPass(p.re, (m) => {
      if (p.accept && !p.accept(m)) return null;
      if (!p.groups) return whole(p.kind)(m);
      const g = p.groups.find((i) => m[i] !== undefined);
      return g === undefined ? null : group(g, p.kind)(m);
    }, p.hint),
  ),
  // E-mail addresses, also URL-encoded (%40) in query strings and access lines.
  regexPass(/(?<![\p{L}\p{N}_.+%-])[\p{L}\p{N}_.+-]{1,64}(?:@|%40)(?:[\p{L}\p{N}-]{1,63}\.){1,8}\p{L}{2,24}(?![\p{L}\p{N}_-])/gu, (m) =>
    /^[.]|\.\.|\.(?:@|%40)/.test(m[0]) ? null : whole('EMAIL')(m),
    (text) => text.includes('@') || text.includes('%40'),
  ),
  regexPass(/(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/g, (m) =>
    ibanValid(m[0]) ? whole('IBAN')(m) : null,
  ),
  // Passport and national-id numbers are recognisable by their label (shapes vary by country
  // and collide with order numbers); the id must contain a digit.
  regexPass(
    new RegExp(
      `(?<![A-Za-zÀ-ÿ])(?:${ID_LABELS})\\.?(?:[\\s_-]{0,3}(?:no\\.?|number|num\\.?|nr\\.?|nummer|numero|número|id|#))?\\\\?["']?\\s{0,3}[:=#-]?\\s{0,3}\\\\?["']?((?=[A-Z0-9]{0,24}\\d|[A-Z]{1,3}[ .\\/-]\\d|[A-Z]{6,12}(?![\\p{L}\\p{N}]))[A-Z0-9]{1,24}(?:[ .\\/-](?=[A-Z0-9]{0,10}\\d)[A-Z0-9]{1,10}){0,5}(?: [A-D](?![A-Za-z0-9]))?)(?![A-Za-z0-9À-ÿ])`,
      'giud',
    ),
    // An id without a digit must be written in capitals ("passport CFGHJKLMN", not "passport expired").
    (m) => (/\d/.test(m[1]!) || (/^[A-Z]{6,12}$/.test(m[1]!)) ? group(1, 'ID')(m) : null),
  ),
  // Unlabelled ids whose shape or check digits name them: US SSN (3-2-4), Brazil's CPF.
  regexPass(/(?<![\w.\/-])\d{3}-\d{2}-\d{4}(?![\w]|[.\/-]\d)/g, (m) => (ssnValid(m[0]) ? whole('ID')(m) : null), (text) => text.includes('-')),
  regexPass(/(?<![\w.\/-])\d{3}\.\d{3}\.\d{3}-\d{2}(?![\w]|[.\/-]\d)/g, (m) => (cpfValid(m[0]) ? whole('ID')(m) : null), (text) => text.includes('-')),
  regexPass(/(?<![\w.+,-])\d(?:[ .-]?\d){12,18}(?![\w]|[.,-]\d)/g, (m, text) =>
    cardDigits(m[0], text.slice(Math.max(0, m.index - 24), m.index)) ? whole('CARD')(m) : null,
  ),
  // IPv6: one hex-and-colon run per token boundary, validated by node:net.
  regexPass(/(?<![\w:.])(?:[0-9A-Fa-f]{1,4}|):[0-9A-Fa-f:.]{1,45}/g, (m) => {
    let s = m[0];
    while (s.endsWith('.') || (s.endsWith(':') && !s.endsWith('::'))) s = s.slice(0, -1);
    if (/[\w]/.test(m.input[m.index + s.length] ?? '')) return null;
    // `addr:port` as Node prints it (ECONNREFUSED ::1:5432): retry without a trailing :digits.
    if (!isIPv6(s)) s = /^(.*):\d{1,5}$/.exec(s)?.[1] ?? '';
    return s && isIPv6(s) && !isHostOnly(s) ? { start: m.index, end: m.index + s.length, kind: 'IP' } : null;
  }, (text) => text.includes(':')),
  regexPass(/(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g, (m) => (isIP(m[0]) === 4 && !isHostOnly(m[0]) ? whole('IP')(m) : null), (text) => text.includes('.')),
  (text, found, region) => findPhones(text, region, (start, end) => found(start, end, 'PHONE')),
];

/** The spans redactText would replace, in order, for tests and measurement (offsets of `text`). */
export function findRedactions(text: string, options?: RedactOptions): RedactionSpan[] {
  const view = normalizeForDetection(text);
  const region = regionOf(options);
  const spans: RedactionSpan[] = [];
  let work = view.text;
  for (const pass of PASSES) {
    const local: RedactionSpan[] = [];
    pass(work, (start, end, kind) => local.push({ start, end, kind }), region);
    if (local.length === 0) continue;
    local.sort((x, y) => x.start - y.start);
    let masked = '';
    let at = 0;
    for (const s of local) {
      if (s.start < at) continue;
      masked += work.slice(at, s.start) + MASK.repeat(s.end - s.start);
      at = s.end;
      const [start, end] = toOriginal(view, s.start, s.end);
      spans.push({ start, end, kind: s.kind });
    }
    work = masked + work.slice(at);
  }
  return spans.sort((a, b) => a.start - b.start);
}

export function redactText(text: string, options?: RedactOptions): string {
  const spans = findRedactions(text, options);
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += text.slice(at, s.start) + `[${s.kind}]`;
    at = s.end;
  }
  return out + text.slice(at);
}

// ---- structured values ------------------------------------------------------------------

/**
 * Key names (lower-cased, separators removed) whose values are always replaced. Short words
 * must match the whole key (`ip`, not `zip`/`ship`); longer ones may end a key (`customerEmail`).
 */
const SENSITIVE_KEYS: { tag: string; exact: string[]; suffix: string[] }[] = [
  { tag: '[EMAIL]', exact: ['mail'], suffix: ['email', 'emails', 'emailaddress'] },
  { tag: '[PHONE]', exact: ['tel', 'cell'], suffix: ['phone', 'phones', 'phonenumber', 'phoneno', 'mobile', 'mobilenumber', 'mobileno', 'msisdn', 'telephone', 'whatsapp', 'whatsappnumber', 'contactnumber', 'contactno'] },
  { tag: '[CARD]', exact: ['pan', 'cc'], suffix: ['cardnumber', 'creditcard', 'ccnumber'] },
  { tag: '[IBAN]', exact: [], suffix: ['iban', 'accountnumber', 'bankaccount'] },
  { tag: '[ID]', exact: ['ssn', 'tin', 'cpf', 'idno', 'idnumber'], suffix: ['passport', 'passportnumber', 'passportno', 'nationalid', 'nationalidnumber', 'taxid', 'aadhaar', 'licensenumber'] },
  { tag: '[IP]', exact: ['ip'], suffix: ['ipaddress', 'clientip', 'remoteip', 'remoteaddress', 'remoteaddr', 'xforwardedfor', 'xrealip'] },
  {
    tag: '[SECRET]',
    exact: ['auth', 'otp', 'pin', 'cvv', 'cvc', 'pwd', 'pass', 'session', 'sig'],
    suffix: ['password', 'passwd', 'secret', 'token', 'authorization', 'apikey', 'accesskey', 'privatekey', 'cookie', 'sessionid', 'credential', 'credentials', 'signature', 'passphrase'],
  },
];

function sensitiveTag(key: string): string | undefined {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  for (const { tag, exact, suffix } of SENSITIVE_KEYS) {
    if (exact.includes(k) || suffix.some((s) => k.endsWith(s))) return tag;
  }
  if (k.includes('password') || k.includes('secret')) return '[SECRET]';
  return undefined;
}

const MAX_DEPTH = 32;

/**
 * Redacts a metadata value: strings through redactText, anything under a sensitive key
 * replaced whole (objects included), at any depth. Returns plain JSON (Dates become ISO
 * strings, Errors their name/message/stack, cycles and excessive depth a marker).
 */
export function redactValue(value: unknown, options?: RedactOptions): unknown {
  return walk(value, 0, new WeakSet(), options);
}

function walk(value: unknown, depth: number, seen: WeakSet<object>, options: RedactOptions | undefined): unknown {
  if (typeof value === 'string') return redactText(value, options);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return undefined;
  if (depth >= MAX_DEPTH) return '[TRUNCATED]';
  if (seen.has(value)) return '[CIRCULAR]';
  seen.add(value);
  try {
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return '[BINARY]';
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1, seen, options) ?? null);
    const source = value instanceof Error ? { ...value, name: value.name, message: value.message, stack: value.stack } : (value as Record<string, unknown>);
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(source)) {
      const tag = sensitiveTag(key);
      const safeKey = /[\d@]/.test(key) ? redactText(key, options) : key;
      if (tag !== undefined && v !== null && v !== undefined && v !== '' && typeof v !== 'boolean') out[safeKey] = tag;
      else {
        const w = walk(v, depth + 1, seen, options);
        if (w !== undefined) out[safeKey] = w;
      }
    }
    return out;
  } finally {
    seen.delete(value);
  }
}
