import { describe, expect, it } from 'vitest';
import { MAX_PATTERN_LENGTH, unsafePattern } from './safe-pattern.ts';

describe('unsafePattern', () => {
  it.each([
    '^\\+[0-9]{8,15}$',
    '^[A-Z]{2}-\\d+$',
    '^VISA-(\\d{4})-(\\d+)?$',
    '.*',
    '^(?:ab)?c$',
    '^(?<year>\\d{4})-\\d{2}$',
    '^(a|b)c+$',
    '^x-',
    '[(|)*+]+',
    '^(ab){2}$',
  ])('accepts %s', (p) => expect(unsafePattern(p)).toBeNull());

  it.each([
    ['^(a+)+$', /repeated group/],
    ['(a*)*', /repeated group/],
    ['^(a|aa)*$', /repeated group/],
    ['^((ab)+c)+$', /repeated group/],
    ['(\\d+){2,}', /repeated group/],
    ['(x+x+)+y', /repeated group/],
    ['^(a)\\1$', /backreferences/],
    ['(?<n>a)\\k<n>', /backreferences/],
    ['(a', /unbalanced/],
    ['a)', /unbalanced/],
    ['a'.repeat(MAX_PATTERN_LENGTH + 1), /longer/],
  ])('refuses %s', (p, why) => expect(unsafePattern(p as string)).toMatch(why as RegExp));

});
