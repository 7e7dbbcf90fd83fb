// Value generators for the redaction corpus: identifiers in the formats real logs carry them,
// and near-misses (ids, dates, amounts, versions) that must survive redaction. Phone numbers
// are drawn from each country's numbering plan and kept only when libphonenumber's full
// metadata calls them valid, so the corpus does not depend on the redactor's own rules.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { luhnValid, type RedactionKind } from '../redact.ts';

export type Rng = () => number;

/** mulberry32: tiny, fast, good enough for test data, and reproducible from a seed. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
export const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));
const digits = (rng: Rng, n: number): string => Array.from({ length: n }, () => String(int(rng, 0, 9))).join('');
const chars = (rng: Rng, alphabet: string, n: number): string => Array.from({ length: n }, () => alphabet[int(rng, 0, alphabet.length - 1)]).join('');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER36 = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface Value {
  text: string;
  /** Set for PII; the whole text (or `inner`) is expected to be replaced by this kind. */
  kind?: RedactionKind;
  /** When only part of the text is the identifier (e.g. the token after "Bearer "). */
  inner?: [number, number];
}

const FIRST = ['juan', 'maria', 'jose', 'ana', 'mark', 'kristine', 'paolo', 'liza', 'lukas', 'anna', 'priya', 'rahul', 'lucas', 'beatriz', 'olivia', 'jack', 'sofia', 'miguel', 'carmen', 'hans'];
const LAST = ['delacruz', 'santos', 'reyes', 'garcia', 'mendoza', 'schmidt', 'mueller', 'sharma', 'patel', 'silva', 'oliveira', 'smith', 'nguyen', 'lopez', 'fernandez', 'wagner'];
const DOMAINS = ['gmail.com', 'yahoo.com.ph', 'outlook.com', 'mail.example.de', 'shop.co.uk', 'sub.mail.company.com.br', 'example.com.au', 'tindahan.ph', 'firma-gmbh.de', 'correo.es', 'students.upd.edu.ph', 'icloud.com'];

export function email(rng: Rng): Value {
  const f = pick(rng, FIRST);
  const l = pick(rng, LAST);
  const local = pick(rng, [`${f}.${l}`, `${f}${l}${int(rng, 1, 99)}`, `${f}_${l}`, `${f[0]}.${l}`, `${f}+${pick(rng, ['promo', 'orders', 'test', 'ph'])}`, `${f}.${l}+${int(rng, 1, 9)}`, `${l}-${f}`]);
  const text = `${local}@${pick(rng, DOMAINS)}`;
  return { text: rng() < 0.1 ? text.toUpperCase() : text, kind: 'EMAIL' };
}

type PhonePlan = { country: CountryCode; make: (rng: Rng) => string; formats: ((n: string) => string)[] };

// Each plan returns the national significant number; formats render it the way people type it.
const sp = (n: string, ...sizes: number[]): string => {
  const out: string[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(n.slice(at, at + s));
    at += s;
  }
  if (at < n.length) out.push(n.slice(at));
  return out.join(' ');
};

const PHONE_PLANS: PhonePlan[] = [
  {
    country: 'PH',
    make: (r) => `9${pick(r, ['05', '06', '15', '16', '17', '18', '19', '20', '21', '26', '27', '28', '29', '35', '36', '45', '55', '56', '66', '77', '95', '96', '97', '98', '99'])}${digits(r, 7)}`,
    formats: [
      (n) => `0${sp(n, 3, 3)}`,
      (n) => `0${n}`,
      (n) => `+63 ${sp(n, 3, 3)}`,
      (n) => `+63${n}`,
      (n) => `0${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`,
      (n) => `(0${n.slice(0, 3)}) ${n.slice(3, 6)} ${n.slice(6)}`,
      (n) => `63${n}`,
    ],
  },
  { country: 'PH', make: (r) => `28${digits(r, 7)}`, formats: [(n) => `(02) ${n.slice(1, 5)} ${n.slice(5)}`, (n) => `+63 2 ${n.slice(1, 5)} ${n.slice(5)}`, (n) => `02-${n.slice(1, 5)}-${n.slice(5)}`] },
  {
    country: 'US',
    make: (r) => `${pick(r, ['212', '415', '646', '310', '312', '617', '202', '305', '404', '713', '206', '512'])}${int(r, 2, 9)}${digits(r, 6)}`,
    formats: [
      (n) => `(${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6)}`,
      (n) => `${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`,
      (n) => `${n.slice(0, 3)}.${n.slice(3, 6)}.${n.slice(6)}`,
      (n) => `+1 ${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`,
      (n) => `+1-${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`,
      (n) => `+1${n}`,
      (n) => `+1 (${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6)}`,
    ],
  },
  { country: 'GB', make: (r) => `7${pick(r, ['4', '5', '7', '8', '9'])}${digits(r, 8)}`, formats: [(n) => `0${sp(n, 4)}`, (n) => `+44 ${sp(n, 4)}`, (n) => `+44${n}`, (n) => `0${n}`, (n) => `+44 (0)${sp(n, 4)}`] },
  { country: 'GB', make: (r) => `20${pick(r, ['7', '8', '3'])}${digits(r, 7)}`, formats: [(n) => `020 ${n.slice(2, 6)} ${n.slice(6)}`, (n) => `+44 20 ${n.slice(2, 6)} ${n.slice(6)}`] },
  {
    country: 'DE',
    make: (r) => `1${pick(r, ['51', '52', '57', '60', '62', '70', '71', '72', '73', '75', '76', '77', '78', '79'])}${digits(r, 8)}`,
    formats: [(n) => `0${n.slice(0, 3)} ${n.slice(3)}`, (n) => `+49 ${n.slice(0, 3)} ${n.slice(3)}`, (n) => `+49 (0)${n.slice(0, 3)} ${n.slice(3)}`, (n) => `0${n.slice(0, 3)}/${n.slice(3)}`, (n) => `0${n.slice(0, 3)}-${n.slice(3)}`],
  },
  { country: 'DE', make: (r) => `30${int(r, 2, 9)}${digits(r, 7)}`, formats: [(n) => `030 ${n.slice(2)}`, (n) => `+49 30 ${n.slice(2)}`, (n) => `030/${n.slice(2)}`, (n) => `(030) ${n.slice(2)}`] },
  {
    country: 'IN',
    make: (r) => `${int(r, 7, 9)}${digits(r, 9)}`,
    formats: [(n) => `+91 ${n.slice(0, 5)} ${n.slice(5)}`, (n) => `+91-${n}`, (n) => `+91${n}`, (n) => `0${n.slice(0, 5)} ${n.slice(5)}`, (n) => `0${n}`],
  },
  {
    country: 'BR',
    make: (r) => `${pick(r, ['11', '21', '31', '41', '51', '61', '71', '81'])}9${int(r, 6, 9)}${digits(r, 7)}`,
    formats: [(n) => `+55 ${n.slice(0, 2)} ${n.slice(2, 7)}-${n.slice(7)}`, (n) => `(${n.slice(0, 2)}) ${n.slice(2, 7)}-${n.slice(7)}`, (n) => `+55 (${n.slice(0, 2)}) ${n.slice(2, 7)}-${n.slice(7)}`, (n) => `+55${n}`],
  },
  { country: 'BR', make: (r) => `${pick(r, ['11', '21', '31'])}${int(r, 2, 4)}${digits(r, 7)}`, formats: [(n) => `(${n.slice(0, 2)}) ${n.slice(2, 6)}-${n.slice(6)}`, (n) => `+55 ${n.slice(0, 2)} ${n.slice(2, 6)}-${n.slice(6)}`] },
  { country: 'AU', make: (r) => `4${digits(r, 8)}`, formats: [(n) => `0${sp(n, 3, 3)}`, (n) => `+61 ${sp(n, 3, 3)}`, (n) => `0${n}`, (n) => `+61${n}`] },
  { country: 'AU', make: (r) => `${pick(r, ['2', '3', '7', '8'])}${int(r, 5, 9)}${digits(r, 7)}`, formats: [(n) => `(0${n[0]}) ${n.slice(1, 5)} ${n.slice(5)}`, (n) => `+61 ${n[0]} ${n.slice(1, 5)} ${n.slice(5)}`, (n) => `0${n[0]} ${n.slice(1, 5)} ${n.slice(5)}`] },
  { country: 'ES', make: (r) => `6${digits(r, 8)}`, formats: [(n) => `+34 ${n.slice(0, 3)} ${n.slice(3, 5)} ${n.slice(5, 7)} ${n.slice(7)}`, (n) => `+34 ${sp(n, 3, 3)}`, (n) => `0034 ${sp(n, 3, 3)}`] },
];

// How people write numbers without a country code or trunk prefix; only recognisable when a
// phone word precedes them, so templates use these only after a label.
const BARE: { country: CountryCode; make: (rng: Rng) => string }[] = [
  { country: 'US', make: (r) => `${pick(r, ['212', '415', '646', '312'])}${int(r, 2, 9)}${digits(r, 6)}` },
  { country: 'IN', make: (r) => `${int(r, 7, 9)}${digits(r, 9)}` },
  { country: 'ES', make: (r) => `6${digits(r, 8)}` },
  { country: 'PH', make: (r) => `9${pick(r, ['17', '18', '27', '98'])}${digits(r, 7)}` },
];

function validNumber(rng: Rng, country: CountryCode, make: (r: Rng) => string): string {
  for (;;) {
    const n = make(rng);
    if (parsePhoneNumberFromString(n, country)?.isValid()) return n;
  }
}

export function phone(rng: Rng): Value {
  const plan = pick(rng, PHONE_PLANS);
  return { text: pick(rng, plan.formats)(validNumber(rng, plan.country, plan.make)), kind: 'PHONE' };
}

export function barePhone(rng: Rng): Value {
  const plan = pick(rng, BARE);
  const n = validNumber(rng, plan.country, plan.make);
  return { text: rng() < 0.5 ? n : sp(n, 3, 3), kind: 'PHONE' };
}

function withLuhn(prefix: string, length: number, rng: Rng): string {
  const body = prefix + digits(rng, length - prefix.length - 1);
  for (let d = 0; d < 10; d++) if (luhnValid(body + d)) return body + d;
  throw new Error('unreachable');
}

export function card(rng: Rng): Value {
  const [prefix, len] = pick(rng, [['4', 16], ['4', 16], ['51', 16], ['53', 16], ['55', 16], ['2221', 16], ['34', 15], ['37', 15], ['6011', 16], ['35', 16]] as const);
  const n = withLuhn(prefix, len, rng);
  const sep = pick(rng, [' ', '-', '']);
  const text = len === 15 ? [n.slice(0, 4), n.slice(4, 10), n.slice(10)].join(sep) : (n.match(/.{4}/g) ?? []).join(sep);
  return { text, kind: 'CARD' };
}

const IBAN_PLANS: [string, (r: Rng) => string][] = [
  ['DE', (r) => digits(r, 18)],
  ['GB', (r) => chars(r, UPPER, 4) + digits(r, 14)],
  ['NL', (r) => chars(r, UPPER, 4) + digits(r, 10)],
  ['ES', (r) => digits(r, 20)],
  ['FR', (r) => digits(r, 23)],
  ['IT', (r) => chars(r, UPPER, 1) + digits(r, 22)],
  ['BE', (r) => digits(r, 12)],
];

export function iban(rng: Rng): Value {
  const [cc, make] = pick(rng, IBAN_PLANS);
  const bban = make(rng);
  const numeric = [...(bban + cc + '00')].map((c) => (c >= 'A' ? String(c.charCodeAt(0) - 55) : c)).join('');
  let rem = 0;
  for (const d of numeric) rem = (rem * 10 + Number(d)) % 97;
  const iban = `${cc}${String(98 - rem).padStart(2, '0')}${bban}`;
  return { text: rng() < 0.6 ? (iban.match(/.{1,4}/g) ?? []).join(' ') : iban, kind: 'IBAN' };
}

/** A labelled national id or passport: the label stays, the number goes. */
export function labelledId(rng: Rng): Value {
  const [label, id] = pick(rng, [
    ['passport no. ', () => `P${digits(rng, 7)}${chars(rng, UPPER, 1)}`],
    ['Passport: ', () => digits(rng, 9)],
    ['passport #', () => `${chars(rng, UPPER, 2)}${digits(rng, 7)}`],
    ['Reisepass-Nr. ', () => `C${chars(rng, 'CFGHJKLMNPRTVWXYZ0123456789', 8)}${int(rng, 0, 9)}`],
    ['Personalausweis: ', () => `L${digits(rng, 2)}${chars(rng, UPPER, 1)}${digits(rng, 2)}${chars(rng, UPPER, 1)}${digits(rng, 3)}`],
    ['pasaporte: ', () => `PA${chars(rng, UPPER, 1)}${digits(rng, 6)}`],
    ['SSN ', () => `${int(rng, 100, 665)}-${digits(rng, 2)}-${digits(rng, 4)}`],
    ['Aadhaar ', () => `${int(rng, 2, 9)}${digits(rng, 3)} ${digits(rng, 4)} ${digits(rng, 4)}`],
    ['CPF ', () => `${digits(rng, 3)}.${digits(rng, 3)}.${digits(rng, 3)}-${digits(rng, 2)}`],
    ['PAN ', () => `${chars(rng, UPPER, 5)}${digits(rng, 4)}${chars(rng, UPPER, 1)}`],
    ['DNI ', () => `${digits(rng, 8)}${chars(rng, UPPER, 1)}`],
    ['NIN ', () => `${chars(rng, 'ABCEGHJKLMNPRSTWXYZ', 2)} ${digits(rng, 2)} ${digits(rng, 2)} ${digits(rng, 2)} ${pick(rng, ['A', 'B', 'C', 'D'])}`],
    ['TIN: ', () => `${digits(rng, 3)}-${digits(rng, 3)}-${digits(rng, 3)}-000`],
    ['SSS no. ', () => `${digits(rng, 2)}-${digits(rng, 7)}-${digits(rng, 1)}`],
    ['UMID ', () => `${digits(rng, 4)}-${digits(rng, 7)}-${digits(rng, 1)}`],
    ['PhilSys ID: ', () => `${digits(rng, 4)}-${digits(rng, 4)}-${digits(rng, 4)}-${digits(rng, 4)}`],
    ["driver's license ", () => `N${digits(rng, 2)}-${digits(rng, 2)}-${digits(rng, 6)}`],
  ] as const);
  const n = id();
  return { text: label + n, kind: 'ID', inner: [label.length, label.length + n.length] };
}

export function ip(rng: Rng): Value {
  const v4 = () => [int(rng, 1, 223), int(rng, 0, 255), int(rng, 0, 255), int(rng, 1, 254)].join('.');
  const h = () => int(rng, 0, 0xffff).toString(16);
  const text = pick(rng, [
    v4,
    v4,
    () => `10.${int(rng, 0, 255)}.${int(rng, 0, 255)}.${int(rng, 1, 254)}`,
    () => `192.168.${int(rng, 0, 255)}.${int(rng, 1, 254)}`,
    () => `2001:db8:${h()}:${h()}::${h()}`,
    () => `fe80::${h()}:${h()}:${h()}:${h()}`,
    () => Array.from({ length: 8 }, h).join(':'),
    () => `2404:6800:4005:${h()}::200e`,
  ])();
  return { text, kind: 'IP' };
}

const b64url = (s: string) => Buffer.from(s).toString('base64url');

export function jwt(rng: Rng): Value {
  const header = b64url(JSON.stringify({ alg: pick(rng, ['HS256', 'RS256']), typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ sub: digits(rng, 8), iat: 1732000000 + int(rng, 0, 1e6), role: pick(rng, ['anon', 'service_role', 'user']) }));
  return { text: `${header}.${payload}.${chars(rng, ALNUM + '-_', 43)}`, kind: 'JWT' };
}

export function bearer(rng: Rng): Value {
  const token = chars(rng, ALNUM + '._-', int(rng, 24, 64));
  const prefix = pick(rng, ['Bearer ', 'bearer ', 'Authorization: Bearer ', 'Token ']);
  return { text: prefix + token, kind: 'TOKEN', inner: [prefix.length, prefix.length + token.length] };
}

export function apiKey(rng: Rng): Value {
  const text = pick(rng, [
    () => `fd_${chars(rng, LOWER36, 12)}_${chars(rng, LOWER36, 40)}`,
    () => `fd_${chars(rng, LOWER36, 12)}_${chars(rng, LOWER36, 40)}`,
    () => `sk_live_${chars(rng, ALNUM, 24)}`,
    () => `AKIA${chars(rng, UPPER + '0123456789', 16)}`,
    () => `ghp_${chars(rng, ALNUM, 36)}`,
    () => `EAA${chars(rng, ALNUM, 120)}`,
    () => `sk-proj-${chars(rng, ALNUM, 40)}`,
  ])();
  return { text, kind: 'API_KEY' };
}

export function secretPair(rng: Rng): Value {
  const [key, value] = pick(rng, [
    ['password=', () => chars(rng, ALNUM + '!#$%', int(rng, 8, 16))],
    ['api_key=', () => chars(rng, ALNUM, 32)],
    ['client_secret: ', () => chars(rng, ALNUM, 24)],
    ['"password": "', () => chars(rng, ALNUM, 12)],
    ['otp=', () => digits(rng, 6)],
    ['token=', () => chars(rng, ALNUM, 20)],
  ] as const);
  const v = value();
  return { text: key + v + (key.startsWith('"') ? '"' : ''), kind: 'SECRET', inner: [key.length, key.length + v.length] };
}

export function urlWithCredentials(rng: Rng): Value {
  const user = pick(rng, ['admin', 'postgres', 'svc_sync', pick(rng, FIRST)]);
  const pass = chars(rng, ALNUM, int(rng, 8, 20));
  const prefix = `${pick(rng, ['https', 'postgres', 'redis', 'ftp'])}://`;
  return { text: `${prefix}${user}:${pass}@${pick(rng, ['db.internal', 'files.example.com', 'cache.local'])}/x`, kind: 'SECRET', inner: [prefix.length, prefix.length + user.length + 1 + pass.length] };
}

// ---- near-misses (no kind) ---------------------------------------------------------------

const hex = (rng: Rng, n: number) => chars(rng, '0123456789abcdef', n);

export function nearMiss(rng: Rng): Value {
  const y = int(rng, 2023, 2026);
  const mo = String(int(rng, 1, 12)).padStart(2, '0');
  const d = String(int(rng, 1, 28)).padStart(2, '0');
  const hh = String(int(rng, 0, 23)).padStart(2, '0');
  const mm = String(int(rng, 0, 59)).padStart(2, '0');
  const text = pick(rng, [
    () => `ORD-${y}-${digits(rng, 6)}`,
    () => `#${int(rng, 1, 9)}${digits(rng, 8)}`,
    () => `order ${int(rng, 1, 9)}${digits(rng, int(rng, 5, 11))}`,
    () => `INV/${y}/${digits(rng, 5)}`,
    () => `PO ${int(rng, 4, 4)}${digits(rng, 9)}`,
    () => `${y}-${mo}-${d}`,
    () => `${d}/${mo}/${y}`,
    () => `${d}.${mo}.${y}`,
    () => `${d}-${mo}-${y}`,
    () => `${y}-${mo}-${d}T${hh}:${mm}:${digits(rng, 2).replace(/^[6-9]/, '5')}.${digits(rng, 3)}Z`,
    () => `${hh}:${mm}`,
    () => `${1_700_000_000_000 + int(rng, 0, 99_999_999_999)}`,
    () => `${1_700_000_000 + int(rng, 0, 99_999_999)}`,
    () => `₱${int(rng, 1, 99)},${digits(rng, 3)}.${digits(rng, 2)}`,
    () => `$${int(rng, 1, 9)},${digits(rng, 3)},${digits(rng, 3)}.${digits(rng, 2)}`,
    () => `${int(rng, 1, 999)}.${digits(rng, 3)},${digits(rng, 2)} €`,
    () => `PHP ${int(rng, 1, 999)} ${digits(rng, 3)}.00`,
    () => `${int(rng, 1, 9)} ${digits(rng, 3)} ${digits(rng, 3)},${digits(rng, 2)} EUR`,
    () => `v${int(rng, 0, 20)}.${int(rng, 0, 40)}.${int(rng, 0, 99)}`,
    () => `v${int(rng, 1, 9)}.${int(rng, 0, 9)}.${int(rng, 0, 9)}.${int(rng, 0, 99)}`,
    () => `10.0.${int(rng, 10000, 26000)}.${int(rng, 1000, 5000)}`,
    () => `node ${int(rng, 18, 24)}.${int(rng, 0, 20)}.${int(rng, 0, 9)}`,
    () => `${hex(rng, 8)}-${hex(rng, 4)}-7${hex(rng, 3)}-${hex(rng, 4)}-${hex(rng, 12)}`,
    () => `1Z${chars(rng, UPPER + '0123456789', 6)}${digits(rng, 10)}`,
    () => `JT${digits(rng, 10)}PH`,
    () => `tracking ${int(rng, 1, 9)}${digits(rng, 11)}`,
    () => `9400 ${digits(rng, 4)} ${digits(rng, 4)} ${digits(rng, 4)} ${digits(rng, 4)} ${digits(rng, 2)}`,
    () => `SKU-${digits(rng, 5)}-${pick(rng, ['BLK', 'RED', 'XL'])}`,
    () => `${int(rng, 1, 99999)} ms`,
    () => `HTTP ${pick(rng, ['200', '201', '400', '404', '429', '500', '503'])}`,
    () => `127.0.0.1:${int(rng, 1024, 65535)}`.replace('127.0.0.1:', 'port '),
    () => `sha256:${hex(rng, 64)}`,
    () => `commit ${hex(rng, 40)}`,
    () => `${int(rng, 0, 100)}%`,
    () => `rows ${int(rng, 1, 500)}-${int(rng, 501, 1000)}`,
    () => `ZIP ${pick(rng, ['1100', '1630', '10115', '80331', '94107', 'SW1A 1AA', '400001'])}`,
    () => `batch ${y}${mo}${d}${digits(rng, 2)}`,
    () => `EAN ${digits(rng, 13)}`,
    () => `ref ${notLuhn(rng)}`,
    () => `${int(rng, 1, 12)}x @ ₱${int(rng, 10, 999)}.00`,
    () => `account act_${digits(rng, 15)}`,
    () => `shop ${digits(rng, 9)}`,
    () => `campaign ${digits(rng, 17)}`,
    () => `${int(rng, 1, 30)}/${int(rng, 31, 60)} steps`,
  ])();
  return { text };
}

function notLuhn(rng: Rng): string {
  for (;;) {
    const n = `${int(rng, 1, 9)}${digits(rng, 15)}`;
    if (!luhnValid(n)) return (n.match(/.{4}/g) ?? []).join(' ');
  }
}
