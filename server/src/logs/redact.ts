// PII redaction applied to every workflow log line (and the process's own logs) before it is
// stored or printed. Threat model: log lines carry whatever steps and outside APIs hand us —
// contact lists, API errors that echo requests, tokens in URLs — and are readable by every
// VIEWER key of the tenant and kept for months, so identifiers are replaced, never masked
// partially.
//
// Detection runs as ordered passes over the ORIGINAL text: each pass finds spans, validates
// them (Luhn, mod-97, phone metadata, IP syntax) and masks them with a same-length filler so
// later passes neither re-match nor shift offsets; the output swaps each span for its kind.
// Every pattern is linear-time: each one starts only at a token boundary (a lookbehind on the
// characters its first run consumes, so a run of N such characters is entered once, not N
// times), and every repetition that can follow another is either bounded or separated by a
// required delimiter, so backtracking per start is bounded by a constant or the run length.
import { isIP, isIPv6 } from 'node:net';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * Loopback and "any" addresses name this machine, not a person: keeping them readable leaves
 * the process's own logs ("listening on 127.0.0.1:4000") useful and reveals nothing.
 */
function isHostOnly(ip: string): boolean {
  return /^127\./.test(ip) || ip === '0.0.0.0' || ip === '::1' || ip === '::';
}

export const REDACTION_KINDS = ['EMAIL', 'PHONE', 'CARD', 'IBAN', 'ID', 'IP', 'JWT', 'TOKEN', 'API_KEY', 'SECRET'] as const;
export type RedactionKind = (typeof REDACTION_KINDS)[number];

export interface RedactionSpan {
  start: number;
  end: number;
  kind: RedactionKind;
}

/** Countries whose national formats (without +country code) we recognise. */
const NATIONAL_COUNTRIES: CountryCode[] = ['PH', 'US', 'GB', 'DE', 'IN', 'BR', 'AU', 'ES', 'MX', 'SG'];

// A filler that is not a word character, digit, or any character a pattern consumes, so a
// masked span behaves like the bracketed tag that finally replaces it.
const MASK = '\u0001';

type Pass = (text: string, found: (start: number, end: number, kind: RedactionKind) => void) => void;

function regexPass(re: RegExp, decide: (m: RegExpExecArray, text: string) => { start: number; end: number; kind: RedactionKind } | null): Pass {
  return (text, found) => {
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
const CARD_PREFIX = /^(?:4|5[1-5]|2[2-7]|3[47]|3[05689]|6(?:011|5|4[4-9]|2)|5[06-9]|6[37])/;

function cardDigits(raw: string): string | null {
  const digits = raw.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19) return null;
  // Unseparated 13/17/18-digit runs are barcodes (EAN-13) and ad-platform ids far more often
  // than the rare cards of those lengths.
  if (digits.length === raw.length && ![14, 15, 16, 19].includes(digits.length)) return null;
  // Separators, when present, must be consistent grouping (4-4-4-4, 4-6-5, 4-4-4-4-3).
  if (digits.length !== raw.length) {
    const groups = raw.split(/[ -]/);
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

function nationalValid(raw: string): boolean {
  for (const country of NATIONAL_COUNTRIES) {
    const p = parsePhoneNumberFromString(raw, country);
    if (p?.isValid()) return true;
  }
  return false;
}

const PHONE_LABEL = /(?:phone|tel|telp|mobile|mob|cell|cel|cp|contact|kontak|telepono|numero ng|teléfono|telefono|celular|móvil|movil|whatsapp|wa|viber|sms|msisdn|handy|telefon|rufnummer|mobil|fax|call|tawagan|text)\b[^\n]{0,12}$/i;
const INTL_NO_PLUS = /^(?:63|44|49|91|55|61|34|52|65)/;
const DATE_SHAPE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$/;

/**
 * Decides whether a digit run is a phone number. Numbers with a + (or 00) country code need only
 * a plausible length; national numbers need a shape that ids, amounts and dates do not have — a
 * trunk 0, a parenthesised area code, NANP grouping — or a phone word just before them, and
 * must be valid for one of NATIONAL_COUNTRIES.
 */
function isPhone(raw: string, text: string, start: number): boolean {
  const digits = raw.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return false;
  const labelled = PHONE_LABEL.test(text.slice(Math.max(0, start - 40), start));
  const grouped = /[ .()/-]/.test(raw);
  if (raw.startsWith('+') || (raw.startsWith('00') && !raw.startsWith('000') && (grouped || labelled))) {
    const p = parsePhoneNumberFromString(raw.startsWith('+') ? raw : `+${raw.slice(2)}`);
    return !!p && p.isPossible();
  }
  // International numbers without the +, as messaging APIs write them (639171234567).
  if (!grouped && digits.length >= 11 && INTL_NO_PLUS.test(digits) && parsePhoneNumberFromString(`+${digits}`)?.isValid()) return true;
  if (DATE_SHAPE.test(raw)) return false;
  const shaped =
    (digits.startsWith('0') && (grouped || (digits.length >= 10 && digits.length <= 12))) ||
    /^\(\d{2,4}\) ?\d/.test(raw) ||
    /^[2-9]\d{2}[-. ][2-9]\d{2}[-. ]\d{4}$/.test(raw);
  return (labelled || shaped) && nationalValid(raw);
}

// ---- passes, in order -------------------------------------------------------------------

const TOKEN_CHARS = 'A-Za-z0-9\\-._~+/';

const PASSES: Pass[] = [
  // JWTs: three base64url segments, the first a JSON header (`{"` encodes to eyJ).
  regexPass(/(?<![\w-])eyJ[\w-]{5,}\.[\w-]+\.[\w-]*/g, whole('JWT')),
  // Our own keys first, then well-known vendor formats (Stripe, OpenAI, AWS, GitHub, Slack,
  // Google, Meta long-lived tokens, GitLab).
  regexPass(
    /(?<![\w-])(?:fd_[a-z0-9]{12}_[a-z0-9]{40}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|sk-(?:proj-)?[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[\w-]{35}|EAA[A-Za-z0-9]{30,}|glpat-[\w-]{20})(?![\w-])/g,
    whole('API_KEY'),
  ),
  // Credentials in URLs: scheme://user:password@host.
  regexPass(/(?<=:\/\/)[^\s/:@"\u0001]{1,256}:[^\s/@"\u0001]{1,256}(?=@)/g, whole('SECRET')),
  // "Basic"/"Token" are also plain words, so their credential must contain a digit.
  regexPass(new RegExp(`(?<![\\w])(?:([Bb]earer|BEARER)|Basic|Token)\\s{1,8}([${TOKEN_CHARS}]{8,}=*)`, 'gd'), (m) =>
    m[1] || /\d/.test(m[2]!) ? group(2, 'TOKEN')(m) : null,
  ),
  // key=value / "key": "value" with a credential-like key, in text (query strings, dumps).
  regexPass(
    /(?<![\w-])(?:password|passwd|pwd|pass|secret|client_secret|token|access_token|refresh_token|id_token|api[_-]?key|x-api-key|auth_token|session_?id|cookie|otp|pin|cvv|cvc)["']?\s{0,4}[:=]\s{0,4}["']?(?!Bearer\b|Basic\b)([^\s"'&,;}\u0001]{1,512})/gid,
    group(1, 'SECRET'),
  ),
  regexPass(/(?<![\p{L}\p{N}_.+%-])[\p{L}\p{N}_.+%-]{1,64}@(?:[\p{L}\p{N}-]{1,63}\.){1,8}\p{L}{2,24}(?![\p{L}\p{N}_-])/gu, whole('EMAIL')),
  regexPass(/(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/g, (m) =>
    ibanValid(m[0]) ? whole('IBAN')(m) : null,
  ),
  // Passport and national-id numbers are only recognisable by their label (shapes vary by
  // country and collide with order numbers); the id must contain a digit.
  regexPass(
    /(?<![\p{L}])(?:passport|pasaporte|reisepass|pass-?nr|passnummer|ssn|social security|sss|tin|umid|philsys|psn|national id|nationalid|national identity|personalausweis|ausweis(?:nummer)?|aadhaar|aadhar|pan|cpf|rg|dni|nie|nif|curp|rfc|nin|national insurance|driver'?s licen[cs]e|licen[cs]e no|id no|id number|id#)\.?(?:[\s-]{0,3}(?:no\.?|number|num\.?|nr\.?|nummer|numero|número|id|#))?\s{0,3}[:=#-]?\s{0,3}((?=[A-Z0-9]{0,24}\d|[A-Z]{1,3}[ .\/-]\d)[A-Z0-9]{1,24}(?:[ .\/-](?=[A-Z0-9]{0,10}\d)[A-Z0-9]{1,10}){0,5}(?: [A-D](?![\p{L}\p{N}]))?)(?![\p{L}\p{N}])/giud,
    group(1, 'ID'),
  ),
  regexPass(/(?<![\w.+-])\d(?:[ -]?\d){12,18}(?![\w]|[.,-]\d)/g, (m) => (cardDigits(m[0]) ? whole('CARD')(m) : null)),
  // IPv6: one hex-and-colon run per token boundary, validated by node:net.
  regexPass(/(?<![\w:.])(?:[0-9A-Fa-f]{1,4}|):[0-9A-Fa-f:.]{1,45}/g, (m) => {
    let s = m[0];
    while (s.endsWith('.') || (s.endsWith(':') && !s.endsWith('::'))) s = s.slice(0, -1);
    if (/[\w]/.test(m.input[m.index + s.length] ?? '')) return null;
    // `addr:port` as Node prints it (ECONNREFUSED ::1:5432): retry without a trailing :digits.
    if (!isIPv6(s)) s = /^(.*):\d{1,5}$/.exec(s)?.[1] ?? '';
    return s && isIPv6(s) && !isHostOnly(s) ? { start: m.index, end: m.index + s.length, kind: 'IP' } : null;
  }),
  regexPass(/(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g, (m) => (isIP(m[0]) === 4 && !isHostOnly(m[0]) ? whole('IP')(m) : null)),
  // Phones: a run of digits and separators starting at a boundary, at most 24 characters.
  // Phones: optional +country code, optional parenthesised area code, then digits and
  // separators, starting at a boundary and at most ~30 characters.
  regexPass(/(?<![\w+#/.$€£₱,:(-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d[\d ./-]{4,20}\d(?![\w]|[.,/]\d|-)/g, (m, text) => {
    const raw = m[0];
    if (/[ ./-]{2}|\/.*\//.test(raw)) return null;
    return isPhone(raw, text, m.index) ? whole('PHONE')(m) : null;
  }),
];

/** The spans redactText would replace, in order, for tests and measurement. */
export function findRedactions(text: string): RedactionSpan[] {
  const spans: RedactionSpan[] = [];
  let work = text;
  for (const pass of PASSES) {
    const local: RedactionSpan[] = [];
    pass(work, (start, end, kind) => local.push({ start, end, kind }));
    if (local.length === 0) continue;
    let masked = '';
    let at = 0;
    for (const s of local) {
      masked += work.slice(at, s.start) + MASK.repeat(s.end - s.start);
      at = s.end;
    }
    work = masked + work.slice(at);
    spans.push(...local);
  }
  return spans.sort((a, b) => a.start - b.start);
}

export function redactText(text: string): string {
  const spans = findRedactions(text);
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
  { tag: '[EMAIL]', exact: ['mail'], suffix: ['email', 'emailaddress'] },
  { tag: '[PHONE]', exact: ['tel', 'cell'], suffix: ['phone', 'phonenumber', 'mobile', 'mobilenumber', 'msisdn', 'telephone', 'whatsapp', 'whatsappnumber'] },
  { tag: '[CARD]', exact: ['pan', 'cc'], suffix: ['cardnumber', 'creditcard', 'ccnumber'] },
  { tag: '[IBAN]', exact: [], suffix: ['iban', 'accountnumber', 'bankaccount'] },
  { tag: '[ID]', exact: ['ssn', 'tin', 'cpf'], suffix: ['passport', 'passportnumber', 'nationalid', 'taxid', 'aadhaar'] },
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
export function redactValue(value: unknown): unknown {
  return walk(value, 0, new WeakSet());
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return undefined;
  if (depth >= MAX_DEPTH) return '[TRUNCATED]';
  if (seen.has(value)) return '[CIRCULAR]';
  seen.add(value);
  try {
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return '[BINARY]';
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1, seen) ?? null);
    const source = value instanceof Error ? { ...value, name: value.name, message: value.message, stack: value.stack } : (value as Record<string, unknown>);
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(source)) {
      const tag = sensitiveTag(key);
      const safeKey = /[\d@]/.test(key) ? redactText(key) : key;
      if (tag !== undefined && v !== null && v !== undefined && v !== '' && typeof v !== 'boolean') out[safeKey] = tag;
      else {
        const w = walk(v, depth + 1, seen);
        if (w !== undefined) out[safeKey] = w;
      }
    }
    return out;
  } finally {
    seen.delete(value);
  }
}
