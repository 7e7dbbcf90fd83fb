// A warm Chromium (puppeteer-core, Debian's binary) with a small pool of ready pages.
//
// Threat model: template variables are escaped (templates.ts), but a template author or a URL
// render could still make the browser reach internal addresses (img/iframe/CSS @import/font,
// meta refresh, redirects). So every page intercepts every request:
//   - template pages have JavaScript off and every sub-request is refused (only data: passes);
//   - URL pages (also JavaScript off, so no WebSocket or fetch() escapes interception) fetch each
//     http(s) request themselves through the outbound guard and hand Chromium the answer;
//     redirects are passed back to Chromium one hop at a time, so each hop is intercepted and
//     re-checked. Chromium itself never opens a connection for page content.
// A dead proxy catches the few requests Chromium makes outside interception (see CHROMIUM_FLAGS).
// The browser is recycled after N renders or when its processes exceed MEM_LIMIT.
import puppeteer, { type Browser, type HTTPRequest, type Page } from 'puppeteer-core';
import { guardedFetch, OutboundBlockedError, type OutboundOptions } from '../../security/outbound-guard.ts';
import { processTreeMemoryMb } from '../../process-memory.ts';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--dns-prefetch-disable',
  // Defence in depth: a few requests never reach request interception (seen: <link rel=prefetch>).
  // Point Chromium's own networking at a dead proxy, loopback included, so anything that slips
  // past interception fails instead of connecting. Intercepted requests are answered by us and
  // never use the proxy.
  '--proxy-server=http://127.0.0.1:9',
  '--proxy-bypass-list=<-loopback>',
];

export interface RendererOptions {
  chromiumPath: string;
  pagePoolSize: number;
  maxRendersPerBrowser: number;
  memLimitMb: number;
  outbound?: OutboundOptions;
  /** Longest a single render may take. */
  timeoutMs?: number;
}

export interface RenderStats {
  renders: number;
  browserLaunches: number;
  peakBrowserMemoryMb: number;
}

export class RenderBlockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderBlockedError';
  }
}

const PDF_OPTIONS = { format: 'A4', printBackground: true } as const;

/** How often the browser's memory is measured (off the render path: /proc walks are not free). */
const MEMORY_SAMPLE_MS = 5_000;

function isMainNavigation(page: Page, req: HTTPRequest): boolean {
  return req.isNavigationRequest() && req.frame() === page.mainFrame();
}

export class PdfRenderer {
  private browser: Browser | undefined;
  private launching: Promise<Browser> | undefined;
  private readonly idle: Page[] = [];
  private readonly waiters: Array<(page: Page) => void> = [];
  private pagesCreated = 0;
  private active = 0;
  private rendersOnBrowser = 0;
  private recycling: Promise<void> | undefined;
  private overMemory = false;
  private sampler: NodeJS.Timeout | undefined;
  readonly stats: RenderStats = { renders: 0, browserLaunches: 0, peakBrowserMemoryMb: 0 };
  /** The browser's memory at the last sample (every MEMORY_SAMPLE_MS), for /metrics. */
  lastBrowserMemoryMb = 0;

  constructor(private readonly opts: RendererOptions) {}

  /** The page pool now: pages open on the current browser, and those rendering. */
  pool(): { open: number; busy: number } {
    return { open: this.pagesCreated, busy: this.active };
  }

  async start(): Promise<void> {
    await this.ensureBrowser();
    await this.sampleMemory();
    this.sampler ??= setInterval(() => void this.sampleMemory(), MEMORY_SAMPLE_MS).unref();
  }

  /** Measures the browser now; a browser above MEM_LIMIT is recycled after its current renders. */
  async sampleMemory(): Promise<number> {
    const pid = this.browser?.process()?.pid;
    const mb = pid ? await processTreeMemoryMb(pid) : 0;
    this.lastBrowserMemoryMb = mb;
    this.stats.peakBrowserMemoryMb = Math.max(this.stats.peakBrowserMemoryMb, mb);
    if (mb >= this.opts.memLimitMb) this.overMemory = true;
    return mb;
  }

  /** The running browser, for measurements (memory, a raw baseline in the same Chromium). */
  browserInfo(): { wsEndpoint: string; pid: number | undefined } | undefined {
    return this.browser?.connected ? { wsEndpoint: this.browser.wsEndpoint(), pid: this.browser.process()?.pid } : undefined;
  }

  async stop(): Promise<void> {
    clearInterval(this.sampler);
    this.sampler = undefined;
    const browser = this.browser;
    this.browser = undefined;
    this.idle.length = 0;
    this.pagesCreated = 0;
    await browser?.close().catch(() => {});
  }

  private ensureBrowser(): Promise<Browser> {
    if (this.browser?.connected) return Promise.resolve(this.browser);
    this.launching ??= puppeteer
      .launch({
        executablePath: this.opts.chromiumPath,
        headless: true,
        args: CHROMIUM_FLAGS,
        protocolTimeout: 30_000,
        // Puppeteer's own handlers would kill the browser and exit the process on a signal,
        // skipping our drain; the app's shutdown closes the browser instead.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      })
      .then((b) => {
        this.browser = b;
        this.stats.browserLaunches++;
        this.rendersOnBrowser = 0;
        this.idle.length = 0;
        this.pagesCreated = 0;
        return b;
      })
      .finally(() => (this.launching = undefined));
    return this.launching;
  }

  private async newTemplatePage(browser: Browser): Promise<Page> {
    const page = await browser.newPage();
    await page.setJavaScriptEnabled(false);
    await page.setRequestInterception(true);
    page.on('request', (req) => {
      if (req.url().startsWith('data:')) void req.continue().catch(() => {});
      // An aborted top-level navigation (meta refresh) would commit an error page; 204 keeps the document.
      else if (isMainNavigation(page, req)) void req.respond({ status: 204, body: '' }).catch(() => {});
      else void req.abort('blockedbyclient').catch(() => {});
    });
    return page;
  }

  private async acquire(): Promise<Page> {
    if (this.recycling) await this.recycling;
    const browser = await this.ensureBrowser();
    const page = this.idle.pop();
    if (page) return page;
    if (this.pagesCreated < this.opts.pagePoolSize) {
      this.pagesCreated++;
      return this.newTemplatePage(browser).catch((err) => {
        this.pagesCreated--;
        throw err;
      });
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(page: Page, broken: boolean): void {
    if (broken || page.isClosed() || !this.browser?.connected) {
      this.pagesCreated = Math.max(0, this.pagesCreated - 1);
      void page.close().catch(() => {});
      const waiter = this.waiters.shift();
      if (waiter) void this.acquireFresh().then(waiter);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter(page);
    else this.idle.push(page);
  }

  private async acquireFresh(): Promise<Page> {
    this.pagesCreated++;
    return this.newTemplatePage(await this.ensureBrowser());
  }

  /** After the render that crossed a limit, drain in-flight renders and start a new browser. */
  private async maybeRecycle(): Promise<void> {
    const browser = this.browser;
    if (this.rendersOnBrowser < this.opts.maxRendersPerBrowser && !this.overMemory) return;
    if (this.recycling || !browser) return;
    this.recycling = (async () => {
      while (this.active > 0) await new Promise((r) => setTimeout(r, 5));
      this.browser = undefined;
      this.idle.length = 0;
      this.pagesCreated = 0;
      this.overMemory = false;
      await browser.close().catch(() => {});
      await this.ensureBrowser();
    })().finally(() => (this.recycling = undefined));
    await this.recycling;
  }

  private async withTimeout<T>(work: Promise<T>): Promise<T> {
    const ms = this.opts.timeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`render timed out after ${ms} ms`)), ms)))]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Renders trusted-shape HTML (a filled template) with no network access at all. */
  async renderHtml(html: string): Promise<Buffer> {
    const page = await this.acquire();
    this.active++;
    let broken = false;
    try {
      return await this.withTimeout(
        (async () => {
          await page.setContent(html, { waitUntil: 'load' });
          return Buffer.from(await page.pdf(PDF_OPTIONS));
        })(),
      );
    } catch (err) {
      broken = true;
      throw err;
    } finally {
      this.active--;
      this.rendersOnBrowser++;
      this.stats.renders++;
      this.release(page, broken);
      await this.maybeRecycle();
    }
  }

  /**
   * Renders a public URL. Every request of the page is fetched through the outbound guard; the
   * main document's block is an error, sub-resource blocks just leave holes.
   */
  async renderUrl(url: string): Promise<Buffer> {
    if (this.recycling) await this.recycling;
    const browser = await this.ensureBrowser();
    const context = await browser.createBrowserContext();
    this.active++;
    let mainBlocked: string | undefined;
    try {
      const page = await context.newPage();
      await page.setJavaScriptEnabled(false);
      await page.setRequestInterception(true);
      let navigations = 0;
      page.on('request', (req) => {
        const main = isMainNavigation(page, req);
        // Only the first top-level navigation (and its redirects) is the render; later ones
        // (meta refresh) are answered 204 so the loaded document stays.
        if (main && req.redirectChain().length === 0 && navigations++ > 0) return void req.respond({ status: 204, body: '' }).catch(() => {});
        void this.proxy(req).catch((err) => {
          if (main) mainBlocked = (err as Error).message;
        });
      });
      return await this.withTimeout(
        (async () => {
          const res = await page.goto(url, { waitUntil: 'load' }).catch((err: Error) => {
            throw mainBlocked ? new RenderBlockedError(mainBlocked) : err;
          });
          if (mainBlocked) throw new RenderBlockedError(mainBlocked);
          if (!res || res.status() >= 400) throw new Error(`the page answered HTTP ${res?.status() ?? 'nothing'}`);
          return Buffer.from(await page.pdf(PDF_OPTIONS));
        })(),
      );
    } finally {
      this.active--;
      this.rendersOnBrowser++;
      this.stats.renders++;
      await context.close().catch(() => {});
      await this.maybeRecycle();
    }
  }

  private async proxy(req: HTTPRequest): Promise<void> {
    const target = req.url();
    if (target.startsWith('data:')) return req.continue();
    try {
      const res = await guardedFetch(target, {
        ...this.opts.outbound,
        method: req.method(),
        headers: { 'user-agent': 'FlowdeckPDF/1.0', accept: req.headers().accept ?? '*/*' },
        body: req.postData(),
        maxRedirects: 0,
        timeoutMs: 10_000,
      });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined && !['set-cookie', 'content-length', 'transfer-encoding', 'connection'].includes(k)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      }
      await req.respond({ status: res.status, headers, body: res.body });
    } catch (err) {
      await req.abort(err instanceof OutboundBlockedError ? 'blockedbyclient' : 'failed').catch(() => {});
      throw err;
    }
  }
}
