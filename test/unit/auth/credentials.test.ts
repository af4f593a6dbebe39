import { parseCredentials } from '../../../src/auth/credentials';

describe('parseCredentials', () => {
  it('reads no headers, or empty ones, as no credentials', () => {
    expect(parseCredentials({})).toEqual({ kind: 'none' });
    expect(parseCredentials({ authorization: '', apiKey: '  ' })).toEqual({ kind: 'none' });
  });

  it('reads a Bearer token, whatever the case of the scheme', () => {
    expect(parseCredentials({ authorization: 'Bearer abc.def-_.ghi' })).toEqual({
      kind: 'bearer',
      token: 'abc.def-_.ghi',
    });
    expect(parseCredentials({ authorization: 'bearer   abc' })).toEqual({ kind: 'bearer', token: 'abc' });
  });

  it('reads an X-API-Key header', () => {
    expect(parseCredentials({ apiKey: 'igk_abc' })).toEqual({ kind: 'apiKey', key: 'igk_abc' });
  });

  it('rejects both headers at once instead of picking one', () => {
    expect(parseCredentials({ authorization: 'Bearer abc', apiKey: 'igk_abc' })).toMatchObject({ kind: 'invalid' });
  });

  it('rejects other schemes and malformed Authorization headers instead of treating them as anonymous', () => {
    for (const authorization of [
      'Basic YWxpY2U6cGFzcw==',
      'Bearer',
      'Bearer ',
      'Token abc',
      'Bearer a b',
      'abc',
      'Bearer <script>',
    ]) {
      expect(parseCredentials({ authorization })).toMatchObject({ kind: 'invalid' });
    }
  });
});
