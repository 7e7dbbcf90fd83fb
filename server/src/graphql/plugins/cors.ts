// Which other web origins may call the API from a browser (CORS_ORIGINS).
//
// Threat model: Yoga's default CORS answer reflects whatever Origin asks, with
// Access-Control-Allow-Credentials: true, so any site a user visits could read API responses in
// that user's browser context. We use no cookies today, but the default must not depend on that:
// by default no CORS headers are sent at all, so only the dashboard's own origin (same-origin,
// where CORS does not apply) can read responses. Listed origins get an exact-match answer and
// never credentials (keys travel in the Authorization header, which CORS lets through).
import type { YogaServerOptions } from 'graphql-yoga';

type CorsOption = NonNullable<YogaServerOptions<object, object>['cors']>;

export function corsPolicy(allowedOrigins: readonly string[]): CorsOption {
  const allowed = new Set(allowedOrigins);
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (!origin || !allowed.has(origin)) return false;
    return { origin, credentials: false, methods: ['GET', 'POST'], maxAge: 600 };
  };
}
