import { describe, expect, it } from 'vitest';
import { checkExpression, compileExpression, ExpressionError, expressionRoots, matches, MAX_EXPRESSION_LENGTH } from './expression.ts';

const event = { name: 'visa.status_changed', payload: { applicantId: 'A-17', status: 'APPROVED', amount: 120, tags: ['vip', 'ph'], items: [{ sku: 'X1' }] } };
const scope = { event, input: { applicantId: 'A-17', country: 'PH', vip: false } };
const holds = (source: string, s: Record<string, unknown> = scope) => matches(compileExpression(source), s);

describe('expressions', () => {
  it('compares paths and literals', () => {
    expect(holds("event.payload.status == 'APPROVED'")).toBe(true);
    expect(holds('event.payload.status == "REJECTED"')).toBe(false);
    expect(holds('event.payload.applicantId == input.applicantId')).toBe(true);
    expect(holds('event.payload.amount >= 100 && event.payload.amount < 200')).toBe(true);
    expect(holds('event.payload.amount > -5')).toBe(true);
    expect(holds('event.payload.amount != 120')).toBe(false);
    expect(holds("event.payload.items[0].sku == 'X1'")).toBe(true);
    expect(holds("event.payload['status'] == 'APPROVED'")).toBe(true);
  });

  it('has boolean operators with && binding tighter than ||, and parentheses', () => {
    expect(holds('true || false && false')).toBe(true);
    expect(holds('(true || false) && false')).toBe(false);
    expect(holds('!input.vip')).toBe(true);
    expect(holds('!!input.vip')).toBe(false);
  });

  it('tests membership in arrays and strings', () => {
    expect(holds("input.country in ['PH', 'SG']")).toBe(true);
    expect(holds("'vip' in event.payload.tags")).toBe(true);
    expect(holds("'gold' in event.payload.tags")).toBe(false);
    expect(holds("'PROV' in event.payload.status")).toBe(true);
  });

  it('reads a missing path as null and never coerces', () => {
    expect(compileExpression('event.payload.nope.deeper').evaluate(scope)).toBeNull();
    expect(holds('event.payload.nope == null')).toBe(true);
    expect(holds("event.payload.amount == '120'")).toBe(false);
    expect(holds("event.payload.amount > '100'")).toBe(false);
    expect(holds('input.missing')).toBe(false);
  });

  it('compares objects and arrays by value', () => {
    expect(holds("event.payload.tags == ['vip', 'ph']")).toBe(true);
    expect(holds("event.payload.tags == ['ph', 'vip']")).toBe(false);
  });

  it('evaluates to the value itself (concurrency keys)', () => {
    expect(compileExpression('input.applicantId').evaluate(scope)).toBe('A-17');
  });

  it('cannot reach prototypes or inherited properties', () => {
    expect(() => compileExpression('input.__proto__')).toThrow(ExpressionError);
    expect(() => compileExpression('input.constructor')).toThrow(ExpressionError);
    expect(() => compileExpression("input['__proto__']")).toThrow(ExpressionError);
    expect(compileExpression('input.toString').evaluate(scope)).toBeNull();
    expect(compileExpression('input.applicantId.length').evaluate(scope)).toBeNull();
    const key = compileExpression('input[input.k]');
    expect(key.evaluate({ input: { k: '__proto__' } })).toBeNull();
    expect(key.evaluate({ input: { k: 'hasOwnProperty' } })).toBeNull();
  });

  it('refuses bad syntax with the position', () => {
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['input.a ==', /end of expression/],
      ["input.a == 'x", /unterminated string/],
      ['input.a = 1', /unexpected character '='/],
      ['a == b == c', /cannot be chained/],
      ['input.a(1)', /unexpected '\('/],
      ['input.', /property name/],
      ['[1, 2', /expected '\]'/],
      ['in [1]', /'in' needs a value/],
      ['a - 1', /unexpected character '-'/],
    ];
    for (const [source, message] of cases) {
      let error: unknown;
      try {
        compileExpression(source);
      } catch (err) {
        error = err;
      }
      expect(error, source).toBeInstanceOf(ExpressionError);
      expect((error as Error).message, source).toMatch(message);
      expect((error as ExpressionError).position, source).toBeGreaterThanOrEqual(0);
    }
  });

  it('bounds length and nesting', () => {
    expect(() => compileExpression(`input.a == '${'x'.repeat(MAX_EXPRESSION_LENGTH)}'`)).toThrow(/longer than/);
    expect(() => compileExpression(`${'('.repeat(40)}true${')'.repeat(40)}`)).toThrow(/nested too deeply/);
    expect(() => compileExpression(`${'!'.repeat(40)}true`)).toThrow(/nested too deeply/);
    expect(holds(`${'('.repeat(10)}true${')'.repeat(10)}`)).toBe(true);
  });

  it('names its roots, and checkExpression refuses roots a place does not offer', () => {
    expect(expressionRoots('event.payload.id == input.id || x[input.k]')).toEqual(['event', 'input', 'x']);
    expect(checkExpression('input.applicantId', ['input'])).toBeNull();
    expect(checkExpression('event.payload.id == 1', ['input'])).toMatch(/reads 'event'; only 'input'/);
    expect(checkExpression('input.a ==', ['input'])).toMatch(/end of expression/);
  });
});
