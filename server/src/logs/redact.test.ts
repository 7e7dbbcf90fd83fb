import { describe, expect, it } from 'vitest';
import { generateCorpus } from './corpus/generate.ts';
import { formatScore, scoreCorpus } from './corpus/measure.ts';
import { formatWide, preservation, recall, scoreWide } from './corpus/measure-wide.ts';
import { WIDE_LANGUAGES, generateWideCorpus } from './corpus/wide.ts';
import { redactText, redactValue } from './redact.ts';

describe('redactText on the wide corpus (14 languages, source shapes, near-misses)', () => {
  // The bounds of issue 15: every PII family ≥ 0.995 recall, near-misses ≥ 0.98 preserved,
  // per kind and per language (a language may not hide behind the average).
  it('reaches recall ≥ 0.995 per kind and preservation ≥ 0.98, per kind and per language', () => {
    const corpus = generateWideCorpus();
    expect(corpus.length).toBeGreaterThanOrEqual(15_000);
    const score = scoreWide(corpus);
    console.log(`wide redaction corpus: ${corpus.length} lines\n${formatWide(score)}`);
    if (score.misses.length) console.log('misses (first 15):', score.misses.slice(0, 15));
    if (score.eaten.length) console.log('near-misses redacted (first 15):', score.eaten.slice(0, 15));
    for (const kind of ['PHONE', 'EMAIL', 'CARD', 'IBAN', 'ID', 'IP', 'CREDENTIAL']) {
      expect(score.perKind[kind]?.expected, kind).toBeGreaterThan(300);
      expect(recall(score.perKind[kind]!), kind).toBeGreaterThanOrEqual(0.995);
    }
    for (const lang of WIDE_LANGUAGES) {
      expect(recall(score.perLanguage[lang]!), lang).toBeGreaterThanOrEqual(0.98);
      expect(preservation(score.perLanguage[lang]!), lang).toBeGreaterThanOrEqual(0.98);
    }
    for (const [name, t] of Object.entries(score.perNearMiss)) expect(preservation(t), name).toBeGreaterThanOrEqual(0.98);
    expect(preservation(score.overall)).toBeGreaterThanOrEqual(0.98);
  });
});

describe('redactText on the labelled corpus', () => {
  it('reaches recall ≥ 0.99 and precision ≥ 0.98, per kind and overall', () => {
    const corpus = generateCorpus();
    expect(corpus.length).toBeGreaterThanOrEqual(2000);
    const score = scoreCorpus(corpus);
    console.log(`redaction corpus: ${corpus.length} lines\n${formatScore(score)}`);
    if (score.misses.length) console.log('misses:', score.misses.slice(0, 10));
    if (score.falsePositives.length) console.log('false positives:', score.falsePositives.slice(0, 10));
    expect(score.overall.recall).toBeGreaterThanOrEqual(0.99);
    expect(score.overall.precision).toBeGreaterThanOrEqual(0.98);
    for (const [kind, s] of Object.entries(score.perKind)) {
      expect(s.expected, kind).toBeGreaterThan(0);
      expect(s.recall, kind).toBeGreaterThanOrEqual(0.98);
      expect(s.precision, kind).toBeGreaterThanOrEqual(0.98);
    }
  });
});

describe('redactText examples', () => {
  it.each([
    ['mail juan.dela+promo@mail.example.com.ph now', 'mail [EMAIL] now'],
    ['Tawagan si Maria sa 0917 555 1234 bukas', 'Tawagan si Maria sa [PHONE] bukas'],
    ['US (415) 555-2671, DE +49 (0)151 23456789', 'US [PHONE], DE [PHONE]'],
    ['card 4111 1111 1111 1111 vs 4111-1111-1111-1112', 'card [CARD] vs 4111-1111-1111-1112'],
    ['IBAN DE89 3704 0044 0532 0130 00 ok', 'IBAN [IBAN] ok'],
    ['IBAN DE89 3704 0044 0532 0130 01 bad checksum', 'IBAN DE89 3704 0044 0532 0130 01 bad checksum'],
    ['passport no. P1234567A', 'passport no. [ID]'],
    ['from 192.168.1.20 and fe80::1ff:fe23:4567:890a (v10.0.19045.2965)', 'from [IP] and [IP] (v10.0.19045.2965)'],
    ['connect ECONNREFUSED 2001:db8:0:0:0:0:0:1:5432', 'connect ECONNREFUSED [IP]:5432'],
    ['Authorization: Bearer abc.def-123_456', 'Authorization: Bearer [TOKEN]'],
    ['key fd_abcdefghijkl_0123456789abcdefghij0123456789abcdefghij used', 'key [API_KEY] used'],
    ['postgres://svc:hunter2@db/x?password=s3cr3t', 'postgres://[SECRET]@db/x?password=[SECRET]'],
    ['order ORD-2024-118842 on 2024-11-23 total ₱12,345.00 at 1732350645123', 'order ORD-2024-118842 on 2024-11-23 total ₱12,345.00 at 1732350645123'],
    ['Basic plan renewed; Token expired', 'Basic plan renewed; Token expired'],
    // The shapes issue 15 found slipping through (written here as a regression, not as the measure:
    // the wide corpus above is).
    ['+44 20 7123 4567, +49 30 1234567, (212) 555-0147, 447911123456', '[PHONE], [PHONE], [PHONE], [PHONE]'],
    ['PH mobile (09171234567) נשלחה ל-+639171234567', 'PH mobile [PHONE] נשלחה ל-[PHONE]'],
    ['contact 12345678 phone +639171234567', 'contact 12345678 phone [PHONE]'],
    ['en dash 0917\u2013555\u20131234, full width \uff10\uff19\uff11\uff17\uff15\uff15\uff15\uff11\uff12\uff13\uff14', 'en dash [PHONE], full width [PHONE]'],
    ['mail ana\u200b@example.com card 4111.1111.1111.1111', 'mail [EMAIL] card [CARD]'],
    ['X-API-Key: fd_abcdefghijkl_0123456789abcdefghij0123456789abcdefghij', 'X-API-Key: [API_KEY]'],
    ['X-ACCESS-TOKEN: 1234567.AbCdEfGhIjKlMnOpQrSt sb_secret_abcdefghijklmnopqrstuv', 'X-ACCESS-TOKEN: [API_KEY] [API_KEY]'],
    ['GET /a.pdf?X-Amz-Signature=abcdef0123456789abcdef&email=ana%40example.com', 'GET /a.pdf?X-Amz-Signature=[SECRET]&email=[EMAIL]'],
    ['{"password":"hunter 2"} max_tokens=512 token=null', '{"password":"[SECRET]"} max_tokens=512 token=null'],
    ['campaign 120210000000000001 at 1732350645123, v10.0.19045.2965, ZIP 04168-0186', 'campaign 120210000000000001 at 1732350645123, v10.0.19045.2965, ZIP 04168-0186'],
  ])('%s', (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });
});

// Written by hand after the corpus, as a reader of our logs would: a phone written as phones
// are after a word that usually means an id, a number only a phone word announces (in a
// country outside the tenant's few), calling verbs of other languages, and their near-misses.
describe('redactText on phones the corpus was not built from', () => {
  it.each([
    ['my number 0917-123-4567 (new)', 'my number [PHONE] (new)'],
    ['number 0917–123–4567 (en dash)', 'number [PHONE] (en dash)'],
    ['联系电话 13812345678', '联系电话 [PHONE]'],
    ['tel 13812345678', 'tel [PHONE]'],
    ['llamar al 612 34 56 78', 'llamar al [PHONE]'],
    ['ligue (11) 98765-4321', 'ligue [PHONE]'],
    ['number 100234567 and order #100234567', 'number 100234567 and order #100234567'],
    ['callback 98765432 after call id 87654321', 'callback 98765432 after call id 87654321'],
    ['ref 0917123456', 'ref 0917123456'],
  ])('%s', (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });
});

describe('redactValue', () => {
  it('replaces values under sensitive keys at any depth and redacts every string', () => {
    const err = new Error('failed for ana@example.com');
    const input = {
      user: { profile: { contactPhone: '+63 917 555 1234', email: 'x@y.co', emailVerified: true } },
      headers: [{ Authorization: 'Bearer abcdefgh12345678' }, { 'x-api-key': { nested: 'anything' } }],
      note: 'call 0917 555 1234',
      zip: '1100',
      inputTokens: 123,
      hotel: 'Manila',
      at: new Date('2026-11-23T00:00:00Z'),
      err,
    };
    const out = redactValue(input) as Record<string, any>;
    expect(out.user.profile).toEqual({ contactPhone: '[PHONE]', email: '[EMAIL]', emailVerified: true });
    expect(out.headers).toEqual([{ Authorization: '[SECRET]' }, { 'x-api-key': '[SECRET]' }]);
    expect(out.note).toBe('call [PHONE]');
    expect(out.zip).toBe('1100');
    expect(out.inputTokens).toBe(123);
    expect(out.hotel).toBe('Manila');
    expect(out.at).toBe('2026-11-23T00:00:00.000Z');
    expect(out.err.message).toBe('failed for [EMAIL]');
    expect(JSON.stringify(out)).not.toMatch(/917|x@y|abcdefgh/);
  });

  it('replaces the fields partners name PII (Pancake, CGB, forms) whatever the value looks like', () => {
    const out = redactValue({ bill_phone_number: '9171234567', emails: ['a@b.co'], passport_no: 'X', contact_no: '123', id_number: 'A-1', order_id: '12345678' });
    expect(out).toEqual({ bill_phone_number: '[PHONE]', emails: '[EMAIL]', passport_no: '[ID]', contact_no: '[PHONE]', id_number: '[ID]', order_id: '12345678' });
  });

  it('survives cycles and excessive depth', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    let deep: Record<string, unknown> = { leaf: 'ana@example.com' };
    for (let i = 0; i < 100; i++) deep = { d: deep };
    expect(redactValue(a)).toEqual({ name: 'a', self: '[CIRCULAR]' });
    expect(JSON.stringify(redactValue(deep))).toContain('[TRUNCATED]');
  });
});

describe('redactText on adversarial input', () => {
  // Catastrophic backtracking shows up as time growing with the square of the size (16x from
  // 256 KB to 1 MB, and seconds in absolute terms); linear is 4x, a little more when 1 MB no
  // longer fits the CPU caches that 256 KB does.
  const shapes: [string, (n: number) => string][] = [
    ['digit run', (n) => '7'.repeat(n)],
    ['spaced digits', (n) => '1 '.repeat(n / 2)],
    ['@ flood', (n) => '@'.repeat(n)],
    ['a@ flood', (n) => 'a@'.repeat(n / 2)],
    ['dotted label', (n) => 'a.'.repeat(n / 2)],
    ['nested brackets', (n) => '(('.repeat(n / 4) + '))'.repeat(n / 4)],
    ['hex colons', (n) => 'ab:'.repeat(n / 3)],
    ['letters', (n) => 'x'.repeat(n)],
    ['eyJ run', (n) => 'eyJ'.repeat(n / 3)],
    ['passport labels', (n) => 'passport '.repeat(n / 9)],
    ['digits and dots', (n) => '1.2'.repeat(n / 3)],
    ['plus digits', (n) => '+1 '.repeat(n / 3)],
    ['PEM headers', (n) => '-----BEGIN PRIVATE KEY-----'.repeat(n / 27)],
    ['PEM body without end', (n) => '-----BEGIN PRIVATE KEY-----' + 'A'.repeat(n - 27)],
    ['secret pairs', (n) => 'a_b_c_d_token='.repeat(n / 14)],
    ['quoted pair openings', (n) => 'password="'.repeat(n / 10)],
    ['zero-width and dashes', (n) => '0\u200b9\u20131'.repeat(n / 5)],
    ['full-width digits', (n) => '\uff10\uff19\uff11\uff17 '.repeat(n / 5)],
    ['bracketed digits', (n) => '(0917) '.repeat(n / 7)],
    ['phone words and digits', (n) => 'tel 12 '.repeat(n / 7)],
  ];

  // CPU time of this thread, not wall time: on a shared machine a long run is preempted more
  // often than a short one, which would read as non-linearity. The same megabyte of work is
  // done twice — sixteen 64 KB inputs, then one 1 MB input: linear redaction costs about the
  // same both ways, quadratic costs 16x more for the single large input. The bound of 6x
  // leaves room for cache effects and still catches the latter; a quadratic pass over a
  // megabyte (~10^12 steps) would also blow the absolute bound by orders of magnitude.
  it.each(shapes)('%s stays linear from 64 KB to 1 MB', (name, make) => {
    const small = make(64 * 1024);
    const big = make(1024 * 1024);
    const cpuMs = () => {
      const u = process.threadCpuUsage();
      return (u.user + u.system) / 1000;
    };
    const measure = (s: string, times: number) => {
      const t0 = cpuMs();
      for (let i = 0; i < times; i++) redactText(s);
      return cpuMs() - t0;
    };
    measure(small, 2);
    // Interleaved, best of three: the minimum is the run least disturbed by other processes.
    let tSmall = Infinity;
    let tBig = Infinity;
    for (let i = 0; i < 3; i++) {
      tSmall = Math.min(tSmall, measure(small, big.length / small.length));
      tBig = Math.min(tBig, measure(big, 1));
    }
    const ratio = tBig / Math.max(tSmall, 1);
    console.log(`${name}: 16 × 64 KB ${tSmall.toFixed(1)} ms CPU, 1 × 1 MB ${tBig.toFixed(1)} ms CPU, ratio ${ratio.toFixed(2)}`);
    expect(tBig).toBeLessThan(5_000);
    expect(ratio).toBeLessThan(6);
  });
});

describe('addresses of this machine', () => {
  it('keeps loopback and any-addresses readable and still redacts real ones', () => {
    expect(redactText('listening on 127.0.0.1:4000 and [::1]:4000, bound to 0.0.0.0')).toBe('listening on 127.0.0.1:4000 and [::1]:4000, bound to 0.0.0.0');
    expect(redactText('client 203.0.113.7 via 2001:db8::1')).toBe('client [IP] via [IP]');
  });
});
