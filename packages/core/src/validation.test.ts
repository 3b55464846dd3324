import { describe, expect, it } from 'vitest';
import { compileValidator } from './validation.js';

describe('toFieldIssues', () => {
  const validate = compileValidator({
    type: 'object',
    properties: {
      name: { type: 'string' },
      limit: { oneOf: [{ type: 'object', properties: { n: { type: 'integer', minimum: 1 } }, required: ['n'], additionalProperties: false }, { type: 'null' }] },
    },
    required: ['name'],
    additionalProperties: false,
  });

  it('names the field, says what is wrong, and drops the null branch noise of nullable fields', () => {
    expect(validate({ name: 'x', limit: { n: 0 } })).toEqual([{ field: '/limit/n', message: 'must be at least 1' }]);
    expect(validate({ name: 'x', limit: null })).toEqual([]);
  });

  it('reports missing and unknown fields at their own pointer', () => {
    expect(validate({ extra: 1 })).toEqual([
      { field: '/name', message: 'is required' },
      { field: '/extra', message: 'is not a known field' },
    ]);
  });

  it('keeps "must be null" when it is the only thing said', () => {
    const nullOnly = compileValidator({ type: 'null' });
    expect(nullOnly(1)).toEqual([{ field: '/', message: 'must be null' }]);
  });
});
