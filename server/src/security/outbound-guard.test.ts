import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundBlockedError, assertOutboundUrl, guardedFetch, isPublicAddress, systemResolver, type HostResolver } from './outbound-guard.ts';

// A "private" service on loopback counts every request that reaches it; the suite ends by
// asserting it was never reached through a blocked payload. "public.test" is allow-listed and
// plays the attacker's public server that redirects inward.
let server: Server;
let port = 0;
const hits = { secret: 0, redirector: 0 };

const names: Record<string, string[]> = {
  'evil.test': ['127.0.0.1'],
  'evil6.test': ['::1'],
  'mixed.test': ['93.184.216.34', '10.0.0.1'],
  'meta.test': ['169.254.169.254'],
  '127.0.0.1.nip.io': ['127.0.0.1'],
  'public.test': ['127.0.0.1'],
  'cgnat.test': ['100.100.100.100'],
  'mapped.test': ['::ffff:10.1.2.3'],
};
const resolve: HostResolver = async (host) => {
  const fixed = names[host];
  if (fixed) return fixed.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  return systemResolver(host);
};
const opts = () => ({ resolve, allowHosts: ['public.test'], timeoutMs: 2_000 });

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/redirect') {
      hits.redirector++;
      res.writeHead(302, { location: url.searchParams.get('to')! }).end();
      return;
    }
    hits.secret++;
    res.end('secret');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const payloads = (): string[] => {
  const P = port;
  return [
    `http://127.0.0.1:${P}/secret`,
    `http://localhost:${P}/secret`,
    `http://2130706433:${P}/secret`,
    `http://0x7f000001:${P}/secret`,
    `http://017700000001:${P}/secret`,
    `http://0177.0.0.1:${P}/secret`,
    `http://0x7f.0.0.1:${P}/secret`,
    `http://127.1:${P}/secret`,
    `http://127.0.1:${P}/secret`,
    `http://%31%32%37.0.0.1:${P}/secret`,
    `http://１２７.０.０.１:${P}/secret`,
    `http://0:${P}/secret`,
    `http://0.0.0.0:${P}/secret`,
    `http://[::]:${P}/secret`,
    `http://[::1]:${P}/secret`,
    `http://[0:0:0:0:0:0:0:1]:${P}/secret`,
    `http://[::ffff:127.0.0.1]:${P}/secret`,
    `http://[::ffff:7f00:1]:${P}/secret`,
    `http://[0:0:0:0:0:ffff:127.0.0.1]:${P}/secret`,
    `http://[::127.0.0.1]:${P}/secret`,
    `http://[::ffff:0:127.0.0.1]:${P}/secret`,
    `http://[64:ff9b::127.0.0.1]:${P}/secret`,
    `http://[2002:7f00:1::]:${P}/secret`,
    `http://[fe80::1]:${P}/secret`,
    `http://[fc00::1]:${P}/secret`,
    `http://[fd12:3456::1]:${P}/secret`,
    `http://[ff02::1]:${P}/secret`,
    `http://[2001:db8::1]:${P}/secret`,
    `http://[::ffff:a9fe:a9fe]/latest/meta-data/`,
    `http://169.254.169.254/latest/meta-data/`,
    `http://10.0.0.1/`,
    `http://172.16.0.1/`,
    `http://172.31.255.254/`,
    `http://192.168.1.1/`,
    `http://100.64.0.1/`,
    `http://198.18.0.1/`,
    `http://224.0.0.1/`,
    `http://240.0.0.1/`,
    `http://255.255.255.255/`,
    `http://evil.test:${P}/secret`,
    `http://evil6.test:${P}/secret`,
    `http://mixed.test:${P}/secret`,
    `http://meta.test/latest/meta-data/`,
    `http://cgnat.test/`,
    `http://mapped.test/`,
    `http://127.0.0.1.nip.io:${P}/secret`,
    `http://127.0.0.1:${P}\\@public.test/secret`,
    `http://public.test@127.0.0.1:${P}/secret`,
    `http://user:pass@public.test:${P}/secret`,
    `file:///etc/passwd`,
    `gopher://127.0.0.1:6379/_INFO`,
    `ftp://127.0.0.1/`,
    `javascript:alert(1)`,
    `data:text/plain,hello`,
    `not a url`,
    // redirects from the allow-listed "public" host inward, re-checked on each hop
    `http://public.test:${P}/redirect?to=${encodeURIComponent(`http://127.0.0.1:${P}/secret`)}`,
    `http://public.test:${P}/redirect?to=${encodeURIComponent(`http://localhost:${P}/secret`)}`,
    `http://public.test:${P}/redirect?to=${encodeURIComponent(`http://[::1]:${P}/secret`)}`,
    `http://public.test:${P}/redirect?to=${encodeURIComponent(`http://2130706433:${P}/secret`)}`,
    `http://public.test:${P}/redirect?to=${encodeURIComponent(`http://public.test:${P}/redirect?to=${encodeURIComponent(`http://evil.test:${P}/secret`)}`)}`,
    `http://public.test:${P}/redirect?to=${encodeURIComponent('file:///etc/passwd')}`,
  ];
};

describe('outbound guard', () => {
  it('classifies addresses', () => {
    for (const ip of ['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isPublicAddress(ip), ip).toBe(true);
    for (const ip of ['127.0.0.1', '10.1.1.1', '100.127.255.255', '169.254.169.254', '::1', '::', 'fe80::1', 'fc00::1', '::ffff:192.168.0.1', '64:ff9b::a00:1', 'nonsense'])
      expect(isPublicAddress(ip), ip).toBe(false);
  });

  it('blocks at least 30 bypass payloads and never reaches the private service', async () => {
    const list = payloads();
    expect(list.length).toBeGreaterThanOrEqual(30);
    for (const payload of list) {
      const err = await guardedFetch(payload, opts()).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, payload).toBeInstanceOf(OutboundBlockedError);
    }
    expect(hits.secret).toBe(0);
    // The redirect payloads did reach the allow-listed redirector, so their block was the hop check.
    expect(hits.redirector).toBe(7);
  });

  it('re-checks the address at connect time (DNS rebinding)', async () => {
    let calls = 0;
    const rebinding: HostResolver = async () => [{ address: calls++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
    await expect(assertOutboundUrl(`http://rebind.test:${port}/secret`, { resolve: rebinding })).resolves.toBeTruthy();
    calls = 0;
    await expect(guardedFetch(`http://rebind.test:${port}/secret`, { resolve: rebinding })).rejects.toBeInstanceOf(OutboundBlockedError);
    expect(hits.secret).toBe(0);
  });

  it('lets allow-listed hosts through (so the blocks above are the guard, not a dead server)', async () => {
    const res = await guardedFetch(`http://public.test:${port}/secret`, opts());
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('secret');
    hits.secret = 0;
  });

  it('returns the redirect itself when redirects are not followed', async () => {
    const res = await guardedFetch(`http://public.test:${port}/redirect?to=/secret`, { ...opts(), maxRedirects: 0 });
    expect(res.status).toBe(302);
    expect(hits.secret).toBe(0);
  });
});
