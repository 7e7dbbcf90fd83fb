import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture() {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({ write: (chunk, _enc, cb) => (lines.push(JSON.parse(String(chunk))), cb()) });
  return { lines, logger: createLogger('debug', stream) };
}

describe('application logger', () => {
  it('redacts messages, interpolations, fields, bindings and errors', () => {
    const { lines, logger } = capture();
    logger.child({ contact: 'ana@example.com' }).child({ requestId: 'r1' }).info({ to: '+63 917 555 1234', password: 'hunter2', executionId: 'e1' }, 'sent to %s via %s', 'juan@example.com', 'Bearer abcdefgh12345678');
    logger.error({ err: new Error('lookup failed for 0917 555 1234') }, 'boom');
    logger.warn('key fd_abcdefghijkl_0123456789abcdefghij0123456789abcdefghij rejected');
    // Without the timestamps: one printed at hh:mm:ss.917 matched /917/ (CI failed on it once).
    const text = JSON.stringify(lines.map(({ time: _time, ...line }) => line));
    expect(text).not.toMatch(/example\.com|917 ?555|hunter2|abcdefgh/);
    expect(lines[0]).toMatchObject({ msg: 'sent to [EMAIL] via Bearer [TOKEN]', to: '[PHONE]', password: '[SECRET]', executionId: 'e1', contact: '[EMAIL]', requestId: 'r1', level: 30 });
    expect(lines[1]).toMatchObject({ msg: 'boom', err: { type: 'Error', message: 'lookup failed for [PHONE]' } });
    expect(lines[1]!.err.stack).toContain('lookup failed for [PHONE]');
    expect(lines[2]!.msg).toBe('key [API_KEY] rejected');
  });
});
