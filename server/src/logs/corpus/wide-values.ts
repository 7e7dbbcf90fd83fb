// Values for the wide redaction corpus: PII in the many forms real senders write it, and
// near-misses (ids, amounts, timestamps, hashes…) that must survive. Independent of the
// redactor: phone numbers come from libphonenumber's example numbers of every region it knows
// (last digits drawn at random, kept only when its metadata calls them valid), cards carry their
// own Luhn digit, IBANs come from faker (valid check digits), Flowdeck keys from the real key
// generator. Every value is drawn from a seeded faker, so the corpus is the same on every run.
import type { Faker } from '@faker-js/faker';
import { getCountries, getCountryCallingCode, getExampleNumber, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import type { RedactionKind } from '../redact.ts';

export interface Piece {
  text: string;
  /** PII: the whole text (or `inner`) must be replaced, as this kind. */
  kind?: RedactionKind;
  inner?: [number, number];
  /** Near-miss: a value that must come out unchanged, named for the per-kind table. */
  keep?: string;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const LOWER36 = 'abcdefghijklmnopqrstuvwxyz0123456789';

const chars = (f: Faker, alphabet: string, n: number) => f.string.fromCharacters(alphabet, n);
const digits = (f: Faker, n: number) => f.string.numeric({ length: n, allowLeadingZeros: true });
const wrapInner = (prefix: string, value: string, suffix = ''): Piece => ({ text: prefix + value + suffix, inner: [prefix.length, prefix.length + value.length] });

// ---- phones -----------------------------------------------------------------------------

const REGIONS = getCountries().filter((c) => (examples as Record<string, string>)[c]);

// Where most of our tenants' contacts' numbers come from, beyond their own country.
const COMMON: CountryCode[] = ['PH', 'US', 'GB', 'DE', 'IN', 'BR', 'MX', 'ES', 'FR', 'IT', 'AE', 'SA', 'EG', 'IL', 'IR', 'CN', 'JP', 'KR', 'ID', 'VN', 'TH', 'MY', 'SG', 'AU', 'CA', 'NG', 'ZA', 'TR', 'PK', 'BD'];

/** A valid number of `country`: its example with the last 4 digits redrawn (until valid). */
export function phoneOf(f: Faker, country: CountryCode) {
  const example = getExampleNumber(country, examples)!;
  const nsn = example.nationalNumber as string;
  for (let i = 0; i < 50; i++) {
    const n = nsn.slice(0, -4) + digits(f, 4);
    const p = parsePhoneNumberFromString(n, country);
    if (p?.isValid()) return p;
  }
  return example;
}

// Look-alike characters senders use (copied from documents, typed on phones, RTL keyboards).
const FULLWIDTH = (s: string) => s.replace(/[0-9+()-]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
const ARABIC_INDIC = (s: string) => s.replace(/[0-9]/g, (c) => String.fromCharCode(0x0660 + Number(c)));
const PERSIAN = (s: string) => s.replace(/[0-9]/g, (c) => String.fromCharCode(0x06f0 + Number(c)));

/** A phone number of `country` written one of the ways people and APIs write them; `home` is the tenant's country. */
export function phone(f: Faker, home: CountryCode, lang: string): Piece {
  const country = f.helpers.weightedArrayElement([
    { weight: 5, value: home },
    { weight: 3, value: f.helpers.arrayElement(COMMON) },
    { weight: 2, value: f.helpers.arrayElement(REGIONS) },
  ]);
  const p = phoneOf(f, country);
  const intl = p.formatInternational();
  const national = p.formatNational();
  const e164 = p.number as string;
  const cc = getCountryCallingCode(country);
  const forms: (() => string)[] = [
    () => intl,
    () => e164,
    () => e164.slice(1), // E.164 without the +, as messaging APIs write it
    () => `00${e164.slice(1)}`,
    () => intl.replace(/ /g, '-'),
    () => intl.replace(/ /g, '.'),
    () => intl.replace(/ /g, '\u00a0'),
    () => intl.replace(/ /g, '\u2009'),
    () => intl.replace(/ /g, '\u2013'),
    () => `+${cc} ${p.nationalNumber}`,
    () => `(+${cc}) ${p.nationalNumber}`,
    () => `${intl} ext. ${f.number.int({ min: 10, max: 999 })}`,
    () => FULLWIDTH(e164),
  ];
  // Bidi marks around the number (RTL senders): the number is the identifier, the marks are not.
  if (f.number.int(14) === 0) return { text: `\u200e${intl}\u200e`, inner: [1, 1 + intl.length], kind: 'PHONE' };
  if (country === home) {
    forms.push(() => national, () => national.replace(/ /g, '-'), () => national.replace(/[\s()-]/g, ''), () => `(${national.replace(/[\s()-]/g, '')})`, () => national.replace(/ /g, '\u2013'));
    if (country === 'US' || country === 'CA') forms.push(() => national.replace(/[()]/g, '').replace(' ', '.').replace('-', '.'));
  }
  if (lang === 'ar' || lang === 'ur') forms.push(() => ARABIC_INDIC(e164.slice(1)));
  if (lang === 'fa') forms.push(() => PERSIAN(intl));
  return { text: f.helpers.arrayElement(forms)(), kind: 'PHONE' };
}

// ---- e-mails, cards, IBANs, ids, IPs ------------------------------------------------------

export function email(f: Faker): Piece {
  const base = f.internet.email({ provider: f.helpers.arrayElement(['gmail.com', 'yahoo.com.ph', 'outlook.com', 'mail.example.de', 'empresa.com.br', 'shop.co.uk', 'web.de', 'hotmail.es', 'qq.com', 'naver.com', 'walla.co.il', 'mail.ru', 'tindahan.ph', 'sub.mail.company.co.jp', f.internet.domainName()]) });
  const at = base.indexOf('@');
  const forms: (() => Piece)[] = [
    () => ({ text: base }),
    () => ({ text: base.toUpperCase() }),
    () => ({ text: base.replace('@', '+orders@') }),
    () => ({ text: `${base.slice(0, at)}\u200b@${base.slice(at + 1)}` }), // zero-width space before the @
    () => ({ text: `${base.slice(0, 2)}\u200d${base.slice(2)}` }), // zero-width joiner inside
    () => ({ text: base.replace('@', '%40') }), // URL-encoded in a query string
    () => ({ text: base.replace('@', '＠') }), // full-width at sign
  ];
  return { ...f.helpers.arrayElement(forms)(), kind: 'EMAIL' };
}

function luhnDigit(body: string): string {
  for (let d = 0; d < 10; d++) {
    const s = body + d;
    let sum = 0;
    for (let i = 0; i < s.length; i++) {
      let x = s.charCodeAt(s.length - 1 - i) - 48;
      if (i % 2 === 1) x = x * 2 > 9 ? x * 2 - 9 : x * 2;
      sum += x;
    }
    if (sum % 10 === 0) return String(d);
  }
  throw new Error('unreachable');
}

export function card(f: Faker): Piece {
  const [prefix, len] = f.helpers.arrayElement([['4', 16], ['4', 16], ['51', 16], ['55', 16], ['2221', 16], ['2720', 16], ['34', 15], ['37', 15], ['6011', 16], ['35', 16], ['62', 16], ['36', 14]] as const);
  const body = prefix + digits(f, len - prefix.length - 1);
  const n = body + luhnDigit(body);
  const groups = len === 15 ? [n.slice(0, 4), n.slice(4, 10), n.slice(10)] : len === 14 ? [n.slice(0, 4), n.slice(4, 10), n.slice(10)] : (n.match(/.{4}/g) ?? []);
  const sep = f.helpers.arrayElement([' ', '-', '', '.', '\u00a0', '\u2013']);
  return { text: groups.join(sep), kind: 'CARD' };
}

const IBAN_COUNTRIES = ['DE', 'GB', 'NL', 'ES', 'FR', 'IT', 'BE', 'AT', 'CH', 'PL', 'PT', 'SE', 'IE', 'AE', 'SA', 'TR', 'IL', 'BR', 'NO', 'DK'];

export function iban(f: Faker): Piece {
  const plain = f.finance.iban({ formatted: false, countryCode: f.helpers.arrayElement(IBAN_COUNTRIES) });
  return { text: f.datatype.boolean() ? (plain.match(/.{1,4}/g) ?? []).join(' ') : plain, kind: 'IBAN' };
}

/** A passport or national id with its label in the line's language. */
export function labelledId(f: Faker, lang: string): Piece {
  const passport = () => f.helpers.arrayElement([`P${digits(f, 7)}${chars(f, 'ABCDEFGHJKLMNPRSTUVWXYZ', 1)}`, `${chars(f, 'ABCDEFGHJKLMNPRSTUVWXYZ', 2)}${digits(f, 7)}`, digits(f, 9), `C${chars(f, 'CFGHJKLMNPRTVWXYZ0123456789', 8)}`]);
  const byLang: Record<string, [string, () => string][]> = {
    en: [['passport no. ', passport], ['Passport: ', passport], ['SSN ', () => `${f.number.int({ min: 100, max: 665 })}-${digits(f, 2).replace('00', '12')}-${digits(f, 4).replace('0000', '1234')}`], ['national ID ', () => digits(f, 12)], ["driver's license ", () => `N${digits(f, 2)}-${digits(f, 2)}-${digits(f, 6)}`]],
    tl: [['passport #', passport], ['SSS no. ', () => `${digits(f, 2)}-${digits(f, 7)}-${digits(f, 1)}`], ['TIN: ', () => `${digits(f, 3)}-${digits(f, 3)}-${digits(f, 3)}-000`], ['PhilSys ID: ', () => `${digits(f, 4)}-${digits(f, 4)}-${digits(f, 4)}-${digits(f, 4)}`], ['UMID ', () => `${digits(f, 4)}-${digits(f, 7)}-${digits(f, 1)}`]],
    es: [['pasaporte: ', passport], ['DNI ', () => `${digits(f, 8)}${chars(f, 'TRWAGMYFPDXBNJZSQVHLCKE', 1)}`], ['NIE ', () => `X${digits(f, 7)}${chars(f, 'TRWAGMYFPDXBNJZSQVHLCKE', 1)}`], ['CURP ', () => `${chars(f, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 4)}${digits(f, 6)}H${chars(f, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 5)}${digits(f, 2)}`]],
    pt: [['passaporte ', passport], ['CPF ', () => `${digits(f, 3)}.${digits(f, 3)}.${digits(f, 3)}-${digits(f, 2)}`], ['RG ', () => `${digits(f, 2)}.${digits(f, 3)}.${digits(f, 3)}-${digits(f, 1)}`]],
    de: [['Reisepass-Nr. ', passport], ['Personalausweis: ', () => `L${digits(f, 2)}${chars(f, 'CFGHJKLMNPRTVWXYZ', 1)}${digits(f, 2)}${chars(f, 'CFGHJKLMNPRTVWXYZ', 1)}${digits(f, 3)}`], ['Steuer-ID ', () => digits(f, 11)]],
    fr: [['numéro de passeport ', passport], ["carte d'identité ", () => `${digits(f, 12)}`]],
    ar: [['جواز السفر ', passport], ['رقم الهوية ', () => `784-${digits(f, 4)}-${digits(f, 7)}-${digits(f, 1)}`]],
    he: [['דרכון ', passport], ['תעודת זהות ', () => digits(f, 9)]],
    fa: [['گذرنامه ', passport], ['کد ملی ', () => digits(f, 10)]],
    zh: [['护照 ', () => `E${digits(f, 8)}`], ['身份证 ', () => `${digits(f, 17)}X`]],
    ja: [['パスポート ', () => `TK${digits(f, 7)}`], ['マイナンバー ', () => digits(f, 12)]],
    ko: [['여권 ', () => `M${digits(f, 8)}`], ['주민등록번호 ', () => `${digits(f, 6)}-${digits(f, 7)}`]],
    hi: [['पासपोर्ट ', () => `${chars(f, 'ABCDEFGHJKLMNPRSTUVWXYZ', 1)}${digits(f, 7)}`], ['आधार ', () => `${f.number.int({ min: 2, max: 9 })}${digits(f, 3)} ${digits(f, 4)} ${digits(f, 4)}`], ['PAN ', () => `${chars(f, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 5)}${digits(f, 4)}${chars(f, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 1)}`]],
  };
  const [label, make] = f.helpers.arrayElement(byLang[lang] ?? byLang.en!);
  return { ...wrapInner(label, make()), kind: 'ID' };
}

export function ip(f: Faker): Piece {
  const text = f.helpers.arrayElement([
    () => f.internet.ipv4().replace(/^127\./, '128.'), // loopback names this machine, not a person
    () => f.internet.ipv4().replace(/^127\./, '128.'),
    () => `10.${f.number.int(255)}.${f.number.int(255)}.${f.number.int({ min: 1, max: 254 })}`,
    () => `192.168.${f.number.int(255)}.${f.number.int({ min: 1, max: 254 })}`,
    () => f.internet.ipv6(),
    () => `2001:db8:${f.string.hexadecimal({ length: 4, prefix: '' })}::${f.string.hexadecimal({ length: 2, prefix: '' })}`.toLowerCase(),
    () => `fe80::${Array.from({ length: 4 }, () => f.string.hexadecimal({ length: 4, prefix: '' }).toLowerCase()).join(':')}`,
  ])();
  return { text, kind: 'IP' };
}

// ---- credentials --------------------------------------------------------------------------

const b64url = (s: string) => Buffer.from(s).toString('base64url');

export function jwt(f: Faker): string {
  const header = b64url(JSON.stringify({ alg: f.helpers.arrayElement(['HS256', 'RS256', 'ES256']), typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ sub: f.string.uuid(), iat: 1_732_000_000 + f.number.int(1e6), role: f.helpers.arrayElement(['anon', 'service_role', 'authenticated']), iss: 'supabase' }));
  return `${header}.${payload}.${chars(f, ALNUM + '-_', 43)}`;
}

/** A credential inside its usual surroundings (header, query string, JSON, env line…). */
export function credential(f: Faker): Piece {
  const fdKey = () => `fd_${chars(f, LOWER36, 12)}_${chars(f, LOWER36, 40)}`;
  const choices: (() => Piece)[] = [
    () => ({ text: fdKey(), kind: 'API_KEY' }),
    () => ({ ...wrapInner('X-API-Key: ', fdKey()), kind: 'API_KEY' }),
    () => ({ ...wrapInner('Authorization: Bearer ', fdKey()), kind: 'API_KEY' }),
    () => ({ text: fdKey().toUpperCase().replace(/^FD_/, 'fd_'), kind: 'API_KEY' }),
    () => ({ text: `fd_${chars(f, LOWER36, f.number.int({ min: 8, max: 16 }))}_${chars(f, LOWER36, f.number.int({ min: 32, max: 48 }))}`, kind: 'API_KEY' }),
    () => ({ text: `EAA${chars(f, 'BGI', 1)}${chars(f, ALNUM, f.number.int({ min: 100, max: 200 }))}`, kind: 'API_KEY' }),
    () => ({ ...wrapInner('access_token=', `EAA${chars(f, ALNUM, 150)}`), kind: 'API_KEY' }),
    () => ({ text: `sb_publishable_${chars(f, ALNUM + '_-', 32)}`, kind: 'API_KEY' }),
    () => ({ text: `sb_secret_${chars(f, ALNUM + '_-', 32)}`, kind: 'API_KEY' }),
    () => ({ ...wrapInner('X-ACCESS-TOKEN: ', `${f.number.int({ min: 100000, max: 9999999 })}.${chars(f, ALNUM, f.number.int({ min: 24, max: 40 }))}`), kind: 'API_KEY' }),
    () => ({ text: `${f.number.int({ min: 100000, max: 9999999 })}.${chars(f, ALNUM, 32)}`, kind: 'API_KEY' }),
    () => ({ text: `sk_live_${chars(f, ALNUM, 24)}`, kind: 'API_KEY' }),
    () => ({ text: `ghp_${chars(f, ALNUM, 36)}`, kind: 'API_KEY' }),
    () => ({ text: `AKIA${chars(f, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`, kind: 'API_KEY' }),
    () => ({ text: jwt(f), kind: 'JWT' }),
    () => ({ ...wrapInner('apikey: ', jwt(f)), kind: 'JWT' }),
    () => ({ ...wrapInner('Authorization: Bearer ', chars(f, ALNUM + '._-', f.number.int({ min: 24, max: 64 }))), kind: 'TOKEN' }),
    () => ({ ...wrapInner('bearer ', chars(f, ALNUM, 32)), kind: 'TOKEN' }),
    () => ({ ...wrapInner('password=', chars(f, ALNUM + '!#$%', f.number.int({ min: 8, max: 16 }))), kind: 'SECRET' }),
    () => ({ ...wrapInner('"password":"', chars(f, ALNUM, 12), '"'), kind: 'SECRET' }),
    () => ({ ...wrapInner('"client_secret": "', chars(f, ALNUM, 32), '"'), kind: 'SECRET' }),
    () => ({ ...wrapInner('token=', chars(f, ALNUM, 24)), kind: 'SECRET' }),
    () => ({ ...wrapInner('api_key: ', chars(f, ALNUM, 32)), kind: 'SECRET' }),
    () => ({ ...wrapInner('DB_PASSWORD=', chars(f, ALNUM, 16)), kind: 'SECRET' }),
    () => ({ ...wrapInner('SUPABASE_SERVICE_ROLE_KEY=', chars(f, ALNUM, 40)), kind: 'SECRET' }),
    () => ({ ...wrapInner('AWS_SECRET_ACCESS_KEY=', chars(f, ALNUM + '/+', 40)), kind: 'SECRET' }),
    () => ({ ...wrapInner('  secret: ', chars(f, ALNUM, 20)), kind: 'SECRET' }),
    () => ({ ...wrapInner('otp=', digits(f, 6)), kind: 'SECRET' }),
    () => ({ ...wrapInner(`https://files.example.com/${f.system.fileName()}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=`, f.string.hexadecimal({ length: 64, prefix: '', casing: 'lower' })), kind: 'SECRET' }),
    () => ({ ...wrapInner('https://cdn.example.net/a.pdf?expires=1732350645&sig=', chars(f, ALNUM + '_-', 43)), kind: 'SECRET' }),
    () => ({ ...wrapInner('/storage/v1/object/sign/docs/invoice.pdf?token=', jwt(f)), kind: 'JWT' }),
    () => {
      const prefix = `${f.helpers.arrayElement(['https', 'postgres', 'redis', 'amqp', 'mongodb'])}://`;
      const user = f.internet.username().replace(/[^\w.-]/g, '');
      const pass = chars(f, ALNUM, f.number.int({ min: 8, max: 20 }));
      return { text: `${prefix}${user}:${pass}@${f.internet.domainName()}/db`, inner: [prefix.length, prefix.length + user.length + 1 + pass.length], kind: 'SECRET' };
    },
    () => {
      const body = Array.from({ length: 6 }, () => chars(f, ALNUM + '+/', 64)).join('\\n');
      const pem = `-----BEGIN PRIVATE KEY-----\\n${body}\\n-----END PRIVATE KEY-----`;
      return { text: pem, kind: 'SECRET' };
    },
  ];
  return f.helpers.arrayElement(choices)();
}

// ---- near-misses --------------------------------------------------------------------------

/** Values that look like PII to a careless pattern and must stay. Named by what they are. */
export function nearMiss(f: Faker): Piece {
  const d = f.date.between({ from: '2023-01-01', to: '2027-01-01' });
  const iso = d.toISOString();
  const [y, mo, da] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  const pick: [string, () => string][] = [
    ['order', () => `ORD-${y}-${digits(f, 6)}`],
    ['order', () => `#${f.number.int({ min: 1000000, max: 999999999 })}`],
    ['order', () => `order ${f.number.int({ min: 10000000, max: 99999999999 })}`],
    ['order', () => `pedido ${digits(f, 10)}`],
    ['invoice', () => `INV/${y}/${digits(f, 5)}`],
    ['invoice', () => `invoice ${y}${mo}${digits(f, 6)}`],
    ['contact-id', () => `contact ${f.number.int({ min: 10000000, max: 99999999 })}`],
    ['contact-id', () => `contact_id=${f.number.int({ min: 10000000, max: 99999999 })}`],
    ['epoch-ms', () => String(1_700_000_000_000 + f.number.int(99_999_999_999))],
    ['epoch-s', () => String(1_700_000_000 + f.number.int(99_999_999))],
    ['amount', () => `₱${f.number.int({ min: 1, max: 99 })},${digits(f, 3)}.${digits(f, 2)}`],
    ['amount', () => `$${f.number.int({ min: 1, max: 9 })},${digits(f, 3)},${digits(f, 3)}.${digits(f, 2)}`],
    ['amount', () => `${f.number.int({ min: 1, max: 999 })}.${digits(f, 3)},${digits(f, 2)} €`],
    ['amount', () => `${f.number.int({ min: 1, max: 9 })} ${digits(f, 3)} ${digits(f, 3)},${digits(f, 2)} EUR`],
    ['amount', () => `Rp ${f.number.int({ min: 1, max: 999 })}.${digits(f, 3)}.${digits(f, 3)}`],
    ['amount', () => `₹${f.number.int({ min: 1, max: 99 })},${digits(f, 2)},${digits(f, 3)}.00`],
    ['amount', () => f.finance.amount({ min: 1000, max: 9_999_999, dec: 2, symbol: f.helpers.arrayElement(['$', '€', '£', '¥', '₱ ']) })],
    ['meta-id', () => `ad ${f.helpers.arrayElement(['1202', '2385', '6012'])}${digits(f, f.number.int({ min: 11, max: 14 }))}`],
    ['meta-id', () => `act_${digits(f, f.number.int({ min: 15, max: 16 }))}`],
    ['meta-id', () => `campaign_id=${f.helpers.arrayElement(['1202', '2385'])}${digits(f, 13)}`],
    ['version', () => f.system.semver()],
    ['version', () => `v${f.number.int(20)}.${f.number.int(40)}.${f.number.int(99)}`],
    ['version', () => `Chrome/${f.number.int({ min: 110, max: 131 })}.0.${f.number.int({ min: 5000, max: 6999 })}.${f.number.int({ min: 10, max: 200 })}`],
    ['version', () => `10.0.${f.number.int({ min: 10000, max: 26000 })}.${f.number.int({ min: 1000, max: 5000 })}`],
    ['date', () => `${y}-${mo}-${da}`],
    ['date', () => `${da}/${mo}/${y}`],
    ['date', () => `${da}.${mo}.${y}`],
    ['date', () => iso],
    ['date', () => d.toUTCString()],
    ['date', () => `${y}${mo}${da}`],
    ['uuid', () => f.string.uuid()],
    ['hash', () => `sha256:${f.string.hexadecimal({ length: 64, prefix: '', casing: 'lower' })}`],
    ['hash', () => f.string.hexadecimal({ length: 32, prefix: '', casing: 'lower' })],
    ['git-sha', () => f.git.commitSha()],
    ['git-sha', () => f.git.commitSha({ length: 7 })],
    ['isbn', () => f.commerce.isbn(13)],
    ['isbn', () => f.commerce.isbn(10)],
    ['barcode', () => `EAN ${digits(f, 13)}`],
    ['barcode', () => `UPC ${digits(f, 12)}`],
    ['coordinates', () => `${f.location.latitude({ precision: 6 })},${f.location.longitude({ precision: 6 })}`],
    ['coordinates', () => `lat=${f.location.latitude({ precision: 5 })} lng=${f.location.longitude({ precision: 5 })}`],
    ['tracking', () => `JT${digits(f, 10)}PH`],
    ['tracking', () => `1Z${chars(f, 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789', 6)}${digits(f, 10)}`],
    ['duration', () => `${f.number.int({ min: 1, max: 99999 })} ms`],
    ['time', () => `${d.toISOString().slice(11, 19)}`],
    ['port', () => `port ${f.number.int({ min: 1024, max: 65535 })}`],
    ['size', () => `${f.number.int({ min: 1000, max: 99_999_999 })} bytes`],
    ['postal', () => f.location.zipCode()],
    ['sku', () => `SKU-${digits(f, 5)}-${f.helpers.arrayElement(['BLK', 'RED', 'XL'])}`],
    ['shop-id', () => `shop ${digits(f, 9)}`],
    ['range', () => `rows ${f.number.int({ min: 1, max: 500 })}-${f.number.int({ min: 501, max: 1000 })}`],
    ['token-count', () => `max_tokens=${f.number.int({ min: 64, max: 4096 })}`],
    ['key-name', () => `cache key=tenant:${digits(f, 4)}:orders`],
    ['placeholder', () => f.helpers.arrayElement(['password=***', 'token=null', 'api_key: [REDACTED]', 'secret=<redacted>'])],
    ['fd-prefix', () => `key prefix ${chars(f, LOWER36, 12)}`],
  ];
  const [name, make] = f.helpers.arrayElement(pick);
  return { text: make(), keep: name };
}
