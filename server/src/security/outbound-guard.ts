// The one outbound-address guard of Flowdeck (SSRF defence). Anything that fetches a URL a tenant
// controls — alert webhooks, URL renders in the PDF worker — goes through here.
//
// Threat model: a tenant supplies a URL (or HTML that references URLs) hoping our server will
// reach an address only it can reach: loopback services, the private network, the cloud
// metadata endpoint (169.254.169.254), or Redis/PostgreSQL on localhost. Tricks include numeric
// host forms (2130706433, 0x7f.1, 0177.0.0.1), IPv6 spellings (::1, ::ffff:127.0.0.1, fe80::),
// DNS names that resolve to private addresses (including rebinding between check and connect),
// and redirects from a public URL to a private one. Defences:
//   - only http: and https:; the WHATWG URL parser canonicalises every numeric IPv4 form;
//   - every resolved address must be public unicast (IPv4-in-IPv6 forms are unwrapped);
//   - guardedFetch checks the address inside the socket's lookup, so the address connected to
//     is the address checked (no rebinding window), and re-checks every redirect hop;
//   - OUTBOUND_ALLOW_HOSTS names hosts allowed to resolve anywhere (e.g. an internal service).
import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export class OutboundBlockedError extends Error {
  constructor(
    message: string,
    readonly url: string,
  ) {
    super(message);
    this.name = 'OutboundBlockedError';
  }
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address (tests pass one that answers private addresses). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface OutboundOptions {
  /** Lower-case host names that may resolve to any address. */
  allowHosts?: readonly string[];
  resolve?: HostResolver;
}

export const systemResolver: HostResolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addrs) => (err ? reject(err) : resolve(addrs))),
  );

const V4_BLOCKED: Array<[string, number]> = [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches localhost on Linux
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
];

const v4List = new net.BlockList();
for (const [addr, prefix] of V4_BLOCKED) v4List.addSubnet(addr, prefix, 'ipv4');

/** The 8 16-bit groups of an IPv6 address (accepts a trailing dotted IPv4 and "::"). */
function ipv6Groups(ip: string): number[] | null {
  let s = ip.toLowerCase().split('%')[0]!;
  const dotted = s.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const p = dotted[1]!.split('.').map(Number);
    s = s.slice(0, -dotted[1]!.length) + `${((p[0]! << 8) | p[1]!).toString(16)}:${((p[2]! << 8) | p[3]!).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array(Math.max(fill, 0)).fill('0'), ...tail].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

function v4FromGroups(hi: number, lo: number): string {
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** True only for globally routable unicast addresses. */
export function isPublicAddress(ip: string): boolean {
  const family = net.isIP(ip);
  if (family === 4) return !v4List.check(ip, 'ipv4');
  if (family !== 6) return false;
  const g = ipv6Groups(ip);
  if (!g) return false;
  const zeroPrefix = (n: number) => g.slice(0, n).every((x) => x === 0);
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), SIIT (::ffff:0:a.b.c.d) and NAT64
  // (64:ff9b::a.b.c.d) all carry an IPv4 address that decides.
  if (zeroPrefix(5) && g[5] === 0xffff) return isPublicAddress(v4FromGroups(g[6]!, g[7]!));
  if (zeroPrefix(4) && g[4] === 0xffff && g[5] === 0) return isPublicAddress(v4FromGroups(g[6]!, g[7]!));
  if (zeroPrefix(6)) return g[6] !== 0 && isPublicAddress(v4FromGroups(g[6]!, g[7]!));
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return isPublicAddress(v4FromGroups(g[6]!, g[7]!));
  // Global unicast is 2000::/3; inside it, refuse documentation, 6to4, Teredo/ORCHID ranges
  // (which embed or tunnel to arbitrary IPv4 addresses).
  if ((g[0]! & 0xe000) !== 0x2000) return false; // ::1, fc00::/7, fe80::/10, fec0::/10, ff00::/8, 100::/64 …
  if (g[0] === 0x2001 && g[1]! < 0x0200) return false; // 2001::/23 IETF protocol assignments (Teredo)
  if (g[0] === 0x2001 && g[1] === 0x0db8) return false;
  if (g[0] === 0x2002) return false;
  return true;
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

function parse(input: string | URL): URL {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    throw new OutboundBlockedError('not a valid URL', String(input));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundBlockedError(`protocol ${url.protocol} is not allowed`, url.href);
  if (url.username || url.password) throw new OutboundBlockedError('credentials in URLs are not allowed', url.href);
  return url;
}

/**
 * Throws OutboundBlockedError unless the URL is http(s) and every address its host resolves to
 * is public (or the host is allow-listed). Returns the parsed URL and the checked addresses.
 */
export async function assertOutboundUrl(input: string | URL, opts: OutboundOptions = {}): Promise<{ url: URL; addresses: string[] }> {
  const url = parse(input);
  const host = hostOf(url);
  if (opts.allowHosts?.includes(host)) return { url, addresses: [] };
  if (net.isIP(host)) {
    if (!isPublicAddress(host)) throw new OutboundBlockedError(`address ${host} is not public`, url.href);
    return { url, addresses: [host] };
  }
  let addrs: ResolvedAddress[];
  try {
    addrs = await (opts.resolve ?? systemResolver)(host);
  } catch {
    throw new OutboundBlockedError(`host ${host} does not resolve`, url.href);
  }
  if (addrs.length === 0) throw new OutboundBlockedError(`host ${host} does not resolve`, url.href);
  const bad = addrs.find((a) => !isPublicAddress(a.address));
  if (bad) throw new OutboundBlockedError(`host ${host} resolves to non-public address ${bad.address}`, url.href);
  return { url, addresses: addrs.map((a) => a.address) };
}

export interface GuardedFetchInit extends OutboundOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
  /** Redirects followed, each re-checked (0 returns the 3xx response itself). */
  maxRedirects?: number;
  timeoutMs?: number;
  maxBodyBytes?: number;
}

export interface GuardedResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The URL of the final hop. */
  url: string;
}

/**
 * A socket lookup that resolves through the guard, so the address the socket connects to is the
 * address that was checked (defeats DNS rebinding between check and connect).
 */
function checkingLookup(opts: OutboundOptions, href: string): net.LookupFunction {
  return (hostname, options, callback) => {
    const cb = callback as (err: Error | null, address: string | ResolvedAddress[], family?: number) => void;
    (opts.resolve ?? systemResolver)(hostname)
      .then((addrs) => {
        const allowed = opts.allowHosts?.includes(hostname.toLowerCase());
        const bad = addrs.find((a) => !isPublicAddress(a.address));
        if (!addrs.length) throw new OutboundBlockedError(`host ${hostname} does not resolve`, href);
        if (bad && !allowed) throw new OutboundBlockedError(`host ${hostname} resolves to non-public address ${bad.address}`, href);
        if ((options as { all?: boolean }).all) cb(null, addrs);
        else cb(null, addrs[0]!.address, addrs[0]!.family);
      })
      .catch((err) => cb(err as Error, ''));
  };
}

function requestOnce(url: URL, init: GuardedFetchInit): Promise<GuardedResponse> {
  const mod = url.protocol === 'https:' ? https : http;
  const maxBody = init.maxBodyBytes ?? 10 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      url,
      {
        method: init.method ?? 'GET',
        headers: init.headers,
        signal: init.signal,
        timeout: init.timeoutMs ?? 10_000,
        lookup: checkingLookup(init, url.href),
        // A fresh socket per request: a pooled socket would skip the lookup check.
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBody) req.destroy(new Error(`response larger than ${maxBody} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url: url.href }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(init.body);
  });
}

/** fetch for tenant-supplied URLs: guarded address, guarded socket, guarded redirects. */
export async function guardedFetch(input: string | URL, init: GuardedFetchInit = {}): Promise<GuardedResponse> {
  let { url } = await assertOutboundUrl(input, init);
  let method = init.method ?? 'GET';
  let body = init.body;
  for (let hop = 0; ; hop++) {
    const res = await requestOnce(url, { ...init, method, body });
    const location = res.headers.location;
    if (res.status < 300 || res.status >= 400 || !location || hop >= (init.maxRedirects ?? 5)) return res;
    url = (await assertOutboundUrl(new URL(location, url), init)).url;
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
  }
}
