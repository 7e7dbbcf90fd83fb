import { describe, expect, it } from 'vitest';
import { render, TemplateError } from './template.ts';

describe('render', () => {
  const vars = { name: 'Ana', order: { id: 42, items: ['a', 'b'] }, zero: 0, nothing: null };

  it('renders {{name}} and {{a.b}} lookups inside strings, deep in objects and arrays', () => {
    expect(render({ to: '{{ name }}', text: ['Order {{order.id}} for {{name}}', 'n={{zero}}'], n: 3 }, vars)).toEqual({
      to: 'Ana',
      text: ['Order 42 for Ana', 'n=0'],
      n: 3,
    });
  });

  it('keeps the type of a value when the string is exactly one placeholder', () => {
    expect(render({ id: '{{order.id}}', items: '{{order.items}}', nothing: '{{nothing}}' }, vars)).toEqual({ id: 42, items: ['a', 'b'], nothing: null });
    expect(render('items: {{order.items}}', vars)).toBe('items: ["a","b"]');
  });

  it('names the missing variable', () => {
    expect(() => render('Hi {{customer.name}}', vars)).toThrow(new TemplateError('variable "customer.name" is not defined', 'customer.name'));
    expect(() => render('{{order.id.x}}', vars)).toThrow('variable "order.id.x" is not defined');
  });

  it('runs no code and never reaches prototypes', () => {
    expect(() => render('{{constructor}}', vars)).toThrow(TemplateError);
    expect(() => render('{{order.__proto__}}', vars)).toThrow(TemplateError);
    expect(() => render('{{name.length}}', vars)).toThrow(TemplateError);
    expect(() => render("{{ process.exit(1) }}", vars)).toThrow('is not a variable name');
    expect(() => render('{{a + b}}', vars)).toThrow('is not a variable name');
  });
});
