// The HTML we serve carries a strict Content-Security-Policy and the usual security headers, and
// GraphiQL still works under it in a real Chromium (no CSP violation, a query runs). The
// dashboard under its policy is exercised by the whole Playwright suite (e2e/), which fails on
// any CSP violation.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP } from '../src/http/security-headers.ts';
import { createStaticHandler } from '../src/http/static.ts';
import { startTestApp } from './app.ts';
import { tenantWithKeys, type TestTenant } from './api-helpers.ts';

let app: Awaited<ReturnType<typeof startTestApp>>;
let t: TestTenant;

beforeAll(async () => {
  app = await startTestApp();
  t = await tenantWithKeys(app.db);
});
afterAll(() => app.stop());

function directives(csp: string | null): Map<string, string[]> {
  return new Map((csp ?? '').split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name!, values]));
}

const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'same-origin', 'cross-origin-opener-policy': 'same-origin' };

describe('GraphiQL', () => {
  it('is served with a CSP that allows exactly its own inline script, and the security headers', async () => {
    const res = await fetch(`${app.url}/graphql`, { headers: { accept: 'text/html' } });
    const html = await res.text();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name), name).toBe(value);
    const csp = directives(res.headers.get('content-security-policy'));
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`);
    expect(inline.length).toBeGreaterThan(0);
    expect(csp.get('script-src')).toEqual(["'self'", ...inline]);
    for (const unsafe of ["'unsafe-inline'", "'unsafe-eval'", '*', 'https:']) expect(csp.get('script-src'), unsafe).not.toContain(unsafe);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    // JSON answers of the API are not pages: no CSP needed, and none added.
    const json = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(json.headers.get('content-security-policy')).toBeNull();
  });

  it('loads and runs a query in Chromium under that policy, with no violation', async () => {
    const browser = await puppeteer.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    try {
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
      });
      await page.evaluateOnNewDocument(() => {
        document.addEventListener('securitypolicyviolation', (e) => ((window as any).__violations ??= []).push(`${e.violatedDirective} ${e.blockedURI}`));
      });
      const url = new URL(`${app.url}/graphql`);
      url.searchParams.set('query', '{ __typename }');
      await page.goto(url.href, { waitUntil: 'load', timeout: 30_000 });
      await page.waitForSelector('.graphiql-execute-button', { timeout: 30_000 });
      await page.click('.graphiql-execute-button');
      await page.waitForFunction(() => document.querySelector('.result-window, .graphiql-response')?.textContent?.includes('Query'), { timeout: 30_000 });
      violations.push(...((await page.evaluate(() => (window as any).__violations ?? [])) as string[]));
      expect(violations).toEqual([]);
      // And the policy is live: an injected inline script does not run.
      const ran = await page.evaluate(() => {
        const s = document.createElement('script');
        s.textContent = 'window.__injected = true';
        document.body.appendChild(s);
        return (window as any).__injected === true;
      });
      expect(ran).toBe(false);
    } finally {
      await browser.close();
    }
  });
});

describe('the dashboard', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'fd-csp-'));
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>app</title>');
    const handle = createStaticHandler({ root });
    server = createServer(async (req, res) => void ((await handle(req, res, new URL(req.url ?? '/', 'http://x'))) || res.writeHead(404).end()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('pages carry a strict CSP (scripts and styles from its own origin only) and the security headers', async () => {
    for (const p of ['/', '/workflows/abc']) {
      const res = await fetch(`${base}${p}`, { headers: { accept: 'text/html' } });
      expect(res.headers.get('content-security-policy'), p).toBe(DASHBOARD_CSP);
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name), name).toBe(value);
    }
    const csp = directives(DASHBOARD_CSP);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('default-src')).toEqual(["'self'"]);
  });
});
