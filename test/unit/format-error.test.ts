import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GraphQLError } from 'graphql';
import pino from 'pino';
import { ErrorCode } from '../../src/errors/error-code';
import { createFormatError } from '../../src/errors/format-error';
import { GatewayError } from '../../src/errors/gateway-error';

const formatError = createFormatError(pino({ level: 'silent' }));

function asResolverError(original: Error): GraphQLError {
  return new GraphQLError(original.message, { path: ['predict'], originalError: original });
}

describe('formatError', () => {
  it('keeps a GatewayError code, message and details, and drops everything else', () => {
    const error = new GatewayError(ErrorCode.WRONG_SAMPLE_LENGTH, 'Sample 3 has 4999 values.', { sampleIndex: 3 });
    const wrapped = asResolverError(error);
    const formatted = formatError(
      { ...wrapped.toJSON(), extensions: { code: 'X', stacktrace: ['at /srv/x.ts'] } },
      wrapped,
    );
    expect(formatted).toEqual({
      message: 'Sample 3 has 4999 values.',
      path: ['predict'],
      extensions: { code: 'WRONG_SAMPLE_LENGTH', sampleIndex: 3 },
    });
  });

  it('details cannot override the code', () => {
    const wrapped = asResolverError(new GatewayError(ErrorCode.EMPTY_BATCH, 'empty', { code: 'HACKED' }));
    expect(formatError(wrapped.toJSON(), wrapped).extensions?.['code']).toBe('EMPTY_BATCH');
  });

  it('passes GraphQL request errors through without extra extensions', () => {
    const error = new GraphQLError('Cannot query field "x".', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    const formatted = formatError(
      { ...error.toJSON(), extensions: { code: 'GRAPHQL_VALIDATION_FAILED', stacktrace: ['s'] } },
      error,
    );
    expect(formatted).toEqual({
      message: 'Cannot query field "x".',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });

  it('masks unknown errors, including their message and stack', () => {
    const wrapped = asResolverError(new Error('ENOENT: /home/secret/models/x.onnx'));
    const formatted = formatError({ ...wrapped.toJSON(), extensions: { stacktrace: ['at /home/secret'] } }, wrapped);
    expect(formatted).toEqual({
      message: 'Internal server error.',
      path: ['predict'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(JSON.stringify(formatted)).not.toContain('secret');
  });

  it('recovers a GatewayError that Apollo re-wrapped as a validation error (the query limits)', () => {
    const limit = new GatewayError(ErrorCode.QUERY_LIMIT_EXCEEDED, 'Query depth 9 exceeds the limit of 8.', {
      limit: 'depth',
      max: 8,
      actual: 9,
    });
    const rewrapped = new GraphQLError(limit.message, {
      originalError: limit,
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(formatError(rewrapped.toJSON(), rewrapped)).toEqual({
      message: 'Query depth 9 exceeds the limit of 8.',
      extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'depth', max: 8, actual: 9 },
    });
  });

  it('drops the value GraphQL prints into a variable-coercion message, keeping the name, path and reason', () => {
    const value = '{ file: { filename: "x.xml", mimetype: "text/xml" } }';
    const reason = new GraphQLError(`String cannot represent a non string value: ${value}`);
    const error = new GraphQLError(`Variable "$input" got invalid value ${value} at "input.name"; ${reason.message}`, {
      originalError: reason,
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(formatError(error.toJSON(), error)).toEqual({
      message: 'Variable "$input" got invalid value at "input.name"; String cannot represent a non string value.',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const unknownField = new GraphQLError('Field "x" is not defined by type "In".');
    const other = new GraphQLError(`Variable "$input" got invalid value { x: 1 }; ${unknownField.message}`, {
      originalError: unknownField,
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(formatError(other.toJSON(), other).message).toBe(
      'Variable "$input" got invalid value; Field "x" is not defined by type "In".',
    );
    const missing = new GraphQLError('Variable "$m" of required type "String!" was not provided.', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(formatError(missing.toJSON(), missing).message).toBe(missing.message);
  });

  it("passes Apollo's persisted-query errors through: PERSISTED_QUERY_NOT_FOUND, and a bad hash as BAD_REQUEST", () => {
    const logger = pino({ level: 'silent' });
    const error = jest.spyOn(logger, 'error');
    const format = createFormatError(logger);
    const notFound = new GraphQLError('PersistedQueryNotFound', { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } });
    expect(format(notFound.toJSON(), notFound)).toEqual({
      message: 'PersistedQueryNotFound',
      extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' },
    });
    const mismatch = new GraphQLError('provided sha does not match query', { extensions: { http: { status: 400 } } });
    expect(format({ message: mismatch.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, mismatch)).toEqual({
      message: 'provided sha does not match query',
      extensions: { code: 'BAD_REQUEST' },
    });
    expect(error).not.toHaveBeenCalled();
    // The same words from anywhere else (a resolver's own error) stay masked.
    const thrown = asResolverError(new Error('provided sha does not match query'));
    expect(format(thrown.toJSON(), thrown).extensions?.['code']).toBe('INTERNAL_SERVER_ERROR');
    expect(error).toHaveBeenCalledTimes(1);
  });

  it('masks an unknown code instead of trusting it', () => {
    const error = new GraphQLError('internal detail', { extensions: { code: 'SOMETHING_ELSE' } });
    expect(formatError(error.toJSON(), error).extensions?.['code']).toBe('INTERNAL_SERVER_ERROR');
  });
});

describe('the closed error vocabulary', () => {
  it('documents every code in the error table of docs/api.md, and no other', () => {
    const doc = readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'api.md'), 'utf8');
    const errors = doc.slice(doc.indexOf('\n## Errors'), doc.indexOf('\n## ', doc.indexOf('\n## Errors') + 1));
    const documented = [...errors.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect([...documented].sort()).toEqual(Object.values(ErrorCode).sort());
  });
});
