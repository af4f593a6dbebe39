import { ErrorCode } from '../../../../src/errors/error-code';
import { parseVocabulary, TextBatchEncoder } from '../../../../src/codec/text/text-batch-encoder';
import { wordTokens } from '../../../../src/codec/text/words-tokenizer';
import { isShared } from '../../../../src/lib/worker-thread';

describe('wordTokens (infergraph-words-1)', () => {
  it.each([
    [
      '@united my flight was LATE!!! https://t.co/x1 &amp; 2 hours',
      ['<user>', 'my', 'flight', 'was', 'late', '!', '!', '!', '<url>', '<num>', 'hours'],
    ],
    ["Café crème — it's déjà vu?", ['cafe', 'creme', "it's", 'deja', 'vu', '?']],
    ['ｆｕｌｌｗｉｄｔｈ ＡＢＣ１２３', ['fullwidth', 'abc', '<num>']],
    ['&lt;3 &gt; 10:45pm', ['<num>', '<num>', '<num>', 'pm']],
    ['email me@x.com or http://a.b/c?d=1,e', ['email', 'me', '<user>', 'com', 'or', '<url>']],
    ['😡😡 ✈️', []],
    ['', []],
  ])('tokenises %j', (text, tokens) => {
    expect(wordTokens(text)).toEqual(tokens);
  });
});

describe('TextBatchEncoder', () => {
  const vocabulary = ['<pad>', '<unk>', 'great', 'late', '!', '<user>', 'flight', '<num>'];
  const encoder = new TextBatchEncoder(vocabulary, { maxLength: 6, padId: 0, unknownId: 1, maxChars: 40 });
  const codeOf = (run: () => unknown): unknown => {
    try {
      run();
    } catch (error) {
      return (error as { code?: unknown }).code;
    }
    return 'no error';
  };

  it('looks tokens up (unknown ones get unknownId), pads and cuts to maxLength, in shared memory', () => {
    const batch = encoder.encode(
      [{ text: '@united great flight!' }, { id: 'b-2', text: 'late late late late late late late' }, { text: 'Never' }],
      10,
    );
    expect(batch).toMatchObject({ format: 'text', count: 3, sampleLength: 6, ids: ['0', 'b-2', '2'] });
    expect([...batch.values]).toEqual([5, 2, 6, 4, 0, 0, 3, 3, 3, 3, 3, 3, 1, 0, 0, 0, 0, 0]);
    expect(isShared(batch.values)).toBe(true);
  });

  it.each([
    ['no texts', [], ErrorCode.EMPTY_BATCH],
    ['more texts than allowed', [{ text: 'a' }, { text: 'b' }, { text: 'c' }], ErrorCode.TOO_MANY_SAMPLES],
    ['an empty text', [{ text: 'fine' }, { text: '' }], ErrorCode.TEXT_EMPTY],
    ['white space only', [{ text: ' \n\t ' }], ErrorCode.TEXT_EMPTY],
    ['a text over maxChars (code points)', [{ text: '😀'.repeat(41) }], ErrorCode.TEXT_TOO_LONG],
    ['a control character', [{ text: 'late\u0007 again' }], ErrorCode.TEXT_INVALID],
    ['a C1 control character', [{ text: 'late\u0085' }], ErrorCode.TEXT_INVALID],
    ['a lone surrogate', [{ text: 'late \ud83d again' }], ErrorCode.TEXT_INVALID],
    ['an id with a space', [{ id: 'a b', text: 'late' }], ErrorCode.BAD_USER_INPUT],
  ])('refuses %s with its code', (_label, items, code) => {
    expect(codeOf(() => encoder.encode(items, 2))).toBe(code);
  });

  it('accepts exactly maxChars code points, tabs and new lines', () => {
    expect(encoder.encode([{ text: '😀'.repeat(40) }, { text: 'great\tflight\r\n!' }], 2).count).toBe(2);
  });
});

describe('parseVocabulary', () => {
  const ids = { padId: 0, unknownId: 1 };
  it('reads a JSON array of distinct tokens', () => {
    expect(parseVocabulary('["<pad>", "<unk>", "a"]', ids)).toEqual(['<pad>', '<unk>', 'a']);
  });
  it.each([
    ['{"a": 1}', 'not a JSON array of strings'],
    ['["<pad>", 2]', 'not a JSON array of strings'],
    ['["<pad>", "a", "a"]', 'lists a token twice'],
    ['["<pad>"]', 'too few for ids 0 and 1'],
  ])('refuses %s', (json, message) => {
    expect(() => parseVocabulary(json, ids)).toThrow(message);
  });
});
