import { describe, expect, it } from 'vitest';
import { signatureMatches, signWebhook, timestampProblem } from './webhook-signature.ts';

describe('webhook signatures', () => {
  const body = '{"status":"APPROVED","applicantId":"A-1001"}';

  it('is hex HMAC-SHA256 of "<timestamp>.<body>", the same as the README\'s openssl recipe gives', () => {
    // printf '%s.%s' 1765000000 "$BODY" | openssl dgst -sha256 -hmac whsec_abc -hex
    expect(signWebhook('whsec_abc', 1765000000, body)).toBe('sha256=45cffd9913c22c19b5ed259e3e8dc85f3ebf74c1b7c8c71c1e9d4114bd0fb34a');
  });

  it('accepts the signature with or without its prefix, and nothing else', () => {
    const sig = signWebhook('s', '100', body);
    const raw = Buffer.from(body);
    expect(signatureMatches('s', '100', raw, sig)).toBe(true);
    expect(signatureMatches('s', '100', raw, sig.slice(7).toUpperCase())).toBe(true);
    expect(signatureMatches('s', '101', raw, sig)).toBe(false);
    expect(signatureMatches('t', '100', raw, sig)).toBe(false);
    expect(signatureMatches('s', '100', Buffer.from(`${body} `), sig)).toBe(false);
    expect(signatureMatches('s', '100', raw, `${sig.slice(0, -1)}`)).toBe(false);
    expect(signatureMatches('s', '100', raw, 'sha256=zz')).toBe(false);
  });

  it('takes timestamps within 5 minutes either way', () => {
    const now = 1_765_000_000_000;
    expect(timestampProblem('1765000000', now)).toBeNull();
    expect(timestampProblem(String(1765000000 - 299), now)).toBeNull();
    expect(timestampProblem(String(1765000000 + 301), now)).toBe('stale');
    expect(timestampProblem(String(1765000000 - 301), now)).toBe('stale');
    for (const bad of [undefined, '', '17.5', '-5', 'abc', '1765000000000000']) expect(timestampProblem(bad, now)).toBe('missing');
  });
});
