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

  it('masks an unknown code instead of trusting it', () => {
    const error = new GraphQLError('internal detail', { extensions: { code: 'SOMETHING_ELSE' } });
    expect(formatError(error.toJSON(), error).extensions?.['code']).toBe('INTERNAL_SERVER_ERROR');
  });
});
