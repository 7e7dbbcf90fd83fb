import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { maskError } from './mask-error.ts';

const wrap = (original: Error) => new GraphQLError(original.message, { originalError: original, path: ['workflows'] });

describe('maskError', () => {
  it('hides what an unexpected error says (a database error names tables and values)', () => {
    const masked = maskError(wrap(new Error('invalid byte sequence for encoding "UTF8": 0x00 in "Workflow"')), 'Unexpected error.', false) as GraphQLError;
    expect(masked.message).toBe('Unexpected error.');
    expect(JSON.stringify(masked.toJSON())).not.toMatch(/UTF8|Workflow|0x00/);
  });

  it('passes expected errors through with their code and problems', () => {
    const notFound = maskError(wrap(new NotFoundError('Workflow', 'abc')), 'Unexpected error.', false) as GraphQLError;
    expect(notFound.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const invalid = maskError(wrap(new ValidationError([{ path: 'name', message: 'is empty' }])), 'Unexpected error.', false) as GraphQLError;
    expect(invalid.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ path: 'name', message: 'is empty' }] });
  });
});
