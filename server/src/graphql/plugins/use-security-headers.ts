// Adds the HTML security headers and a hash-based Content-Security-Policy to GraphiQL's page
// (the threat model is in http/security-headers.ts). The page is rendered by `renderGraphiQL`;
// this wraps it so the policy is computed from the exact HTML served.
import type { Plugin, YogaServerOptions } from 'graphql-yoga';
import { graphiqlCsp, HTML_SECURITY_HEADERS } from '../../http/security-headers.ts';

type RenderGraphiQL = NonNullable<YogaServerOptions<object, object>['renderGraphiQL']>;

export function withGraphiQLSecurityHeaders(render: RenderGraphiQL): { renderGraphiQL: RenderGraphiQL; plugin: Plugin } {
  let lastHtml: string | undefined;
  let lastCsp = "default-src 'none'";
  const renderGraphiQL: RenderGraphiQL = async (opts) => {
    const html = await render(opts);
    if (typeof html === 'string' && html !== lastHtml) {
      lastCsp = graphiqlCsp(html);
      lastHtml = html;
    }
    return html;
  };
  const plugin: Plugin = {
    onResponse({ response }) {
      if (!response.headers.get('content-type')?.includes('text/html')) return;
      for (const [name, value] of Object.entries(HTML_SECURITY_HEADERS)) response.headers.set(name, value);
      response.headers.set('content-security-policy', lastCsp);
    },
  };
  return { renderGraphiQL, plugin };
}
