// Security headers of the HTML we serve: the dashboard (static.ts) and GraphiQL (Yoga, through
// graphql/plugins/use-security-headers.ts).
//
// Threat model: both pages hold an operator's API key (sessionStorage, GraphiQL's headers
// panel), so an injected script is a stolen key. The Content-Security-Policy allows scripts only
// from our own origin — for GraphiQL, whose bundle is one inline script, only that exact script,
// by its SHA-256 — and no plugins, no <base> rewriting, no framing (clickjacking), and network
// access only to our own origin (fetch and the graphql-ws socket).
import { createHash } from 'node:crypto';

/** Headers every HTML page of ours carries, besides its CSP. */
export const HTML_SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

const COMMON_DIRECTIVES = ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"];

/**
 * The dashboard: a Vite build whose scripts and stylesheets are files under /assets/. React's
 * `style` props are set through the CSSOM, which style-src does not govern; the favicon is a
 * data: URL. 'self' in connect-src covers the same-origin ws:/wss: socket (CSP Level 3).
 */
export const DASHBOARD_CSP = ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'", "connect-src 'self'", ...COMMON_DIRECTIVES].join('; ');

export function dashboardHeaders(): Record<string, string> {
  return { ...HTML_SECURITY_HEADERS, 'content-security-policy': DASHBOARD_CSP };
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * GraphiQL's page inlines its whole bundle as one <script>; the policy allows exactly the inline
 * scripts of `html` by hash. Its editor starts web workers from blob: URLs and injects <style>
 * elements at run time, so workers may come from blob: and styles may be inline (styles cannot
 * run code). Computed once per distinct page (it is the same page for every request).
 */
export function graphiqlCsp(html: string): string {
  const scripts = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => sha256(m[1]!));
  return [
    "default-src 'self'",
    `script-src 'self' ${scripts.join(' ')}`.trim(),
    "worker-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    ...COMMON_DIRECTIVES,
  ].join('; ');
}
