// Refuses request bodies above maxBytes before anything reads them. A body without a declared
// length (chunked) is refused too: every GraphQL client sends Content-Length, and counting a
// stream we would have to buffer is what the limit is meant to avoid.
import type { Plugin } from 'graphql-yoga';

export interface BodyLimitOptions {
  maxBytes: number;
}

export function useBodyLimit({ maxBytes }: BodyLimitOptions): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return;
      const declared = request.headers.get('content-length');
      const chunked = request.headers.get('transfer-encoding')?.toLowerCase().includes('chunked');
      const length = declared === null ? NaN : Number(declared);
      const problem = Number.isFinite(length) ? (length > maxBytes ? 413 : 0) : chunked ? 411 : 0;
      if (!problem) return;
      const message = problem === 413 ? `The request body is larger than ${maxBytes} bytes` : 'The request body needs a Content-Length';
      endResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code: problem === 413 ? 'PAYLOAD_TOO_LARGE' : 'LENGTH_REQUIRED' } }] }), {
          status: problem,
          headers: { 'content-type': 'application/json; charset=utf-8' },
        }),
      );
    },
  };
}
