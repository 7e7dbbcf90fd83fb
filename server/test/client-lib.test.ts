// Pure helpers of the dashboard (client/src/lib), tested here because vitest runs from server/.
import { describe, expect, it } from 'vitest';
import { describeCron } from '../../client/src/lib/cron-words.ts';
import { lineOfOffset, offsetOfPointer } from '../../client/src/lib/json-pointer.ts';

describe('describeCron', () => {
  it.each([
    ['0 6 * * *', 'At 06:00 every day'],
    ['30 9 * * 1-5', 'At 09:30 on weekdays'],
    ['0 8,18 * * *', 'At 08:00 and 18:00 every day'],
    ['*/15 * * * *', 'Every 15 minutes'],
    ['*/15 * * * * *', 'Every 15 seconds'],
    ['0 * * * *', 'Every hour at minute 0'],
    ['0 7 1 * *', 'At 07:00 on day 1 of the month'],
    ['0 7 * * 0,6', 'At 07:00 on weekends'],
    ['0 9 * * 1', 'At 09:00 on Monday'],
    ['0 0 1 1 *', 'At 00:00 on day 1 of the month in January'],
    ['* * * * *', 'Every minute'],
  ])('%s → %s', (expr, words) => expect(describeCron(expr)).toBe(words));

  it('shows what it cannot put in words as the expression itself', () => {
    for (const expr of ['0 9 L * *', '0 9 * * MON#2', '5-10 * * * *', 'not cron']) expect(describeCron(expr)).toBe(expr);
  });
});

describe('offsetOfPointer', () => {
  const text = JSON.stringify({ steps: [{ id: 'a', type: 'log' }, { id: 'b', config: { to: '+63', 'a/b': 1 } }], variables: { x: 1 } }, null, 2);

  it('finds the value a JSON Pointer names, through arrays, objects and escaped keys', () => {
    expect(text.slice(offsetOfPointer(text, '/steps/1/config/to'))).toMatch(/^"\+63"/);
    expect(text.slice(offsetOfPointer(text, '/steps/0/type'))).toMatch(/^"log"/);
    expect(text.slice(offsetOfPointer(text, '/steps/1/config/a~1b'))).toMatch(/^1/);
    expect(text.slice(offsetOfPointer(text, '/variables'))).toMatch(/^\{\s+"x": 1/);
    expect(offsetOfPointer(text, '')).toBe(0);
  });

  it('stops at the deepest existing parent of a missing member', () => {
    const at = offsetOfPointer(text, '/steps/1/config/missing');
    expect(lineOfOffset(text, at)).toBeGreaterThanOrEqual(lineOfOffset(text, offsetOfPointer(text, '/steps/1/config')));
    expect(lineOfOffset(text, at)).toBeLessThanOrEqual(lineOfOffset(text, offsetOfPointer(text, '/variables')));
  });
});
