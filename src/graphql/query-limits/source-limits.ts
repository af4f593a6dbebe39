import { Lexer, Source, TokenKind } from 'graphql';
import type { QueryLimitDetails } from './query-limit-error';
import type { QueryLimits } from './query-limits';

/**
 * Checks a document's text before it is parsed: its size in UTF-8 bytes, then (only when the size is within bounds,
 * so that counting is cheap) its number of lexical tokens. Returns the first limit exceeded, or `undefined`.
 */
export function sourceLimitExceeded(
  source: string,
  limits: Pick<QueryLimits, 'maxDocumentBytes' | 'maxTokens'>,
): QueryLimitDetails | undefined {
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > limits.maxDocumentBytes) return { limit: 'documentSize', max: limits.maxDocumentBytes, actual: bytes };
  const tokens = countTokens(source);
  if (tokens > limits.maxTokens) return { limit: 'tokens', max: limits.maxTokens, actual: tokens };
  return undefined;
}

/**
 * Lexical tokens of a document, counted as graphql-js's parser counts them for `maxLexicalTokens`: every token but
 * the end of the source, comments not included. Stops at the first lexical error (an unterminated string, a stray
 * character...), which the parser will then report as a syntax error.
 */
export function countTokens(source: string): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  } catch {
    // a syntax error: the count so far stands; parsing will refuse the document with its own message
  }
  return count;
}
