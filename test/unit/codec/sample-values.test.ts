import { readSampleValues } from '../../../src/codec/xml/sample-values';

const read = (text: string, capacity = 16) => {
  const out = new Float64Array(capacity);
  return { scan: readSampleValues(text, out, 0, capacity), out };
};

describe('readSampleValues', () => {
  const tricky = [
    '1.5e-3',
    '-0',
    '.5',
    '5.',
    '+1',
    '1E308',
    '4.9e-324',
    '0.1000000000000000055511151231257827021181583404541015625',
    '123456789012345678901234567890',
    '2.2250738585072011e-308',
    '1.7976931348623157e308',
    '00012',
    '1.e5',
    '-0.0e-0',
    '9007199254740993',
    '+.5E+2',
    '-1.5E-3',
    '0.30000000000000004',
  ];

  it('reads every value exactly as Number(token) does, bit for bit', () => {
    const { scan, out } = read(tricky.join(' '), tricky.length);
    expect(scan).toEqual({ count: tricky.length, firstNonFinite: -1, firstInvalid: -1, invalidToken: '' });
    expect(Buffer.from(out.buffer)).toEqual(Buffer.from(Float64Array.from(tricky, Number).buffer));
    expect(Object.is(out[1], -0)).toBe(true);
  });

  it.each([
    ['single spaces', '1 2 3'],
    ['leading and trailing whitespace', '  1 2 3\n'],
    ['newlines', '\n1\n2\n3\n'],
    ['tabs', '\t1\t\t2\t3'],
    ['CR LF', '1\r\n2\r\n3'],
    ['mixed runs', ' \t\r\n1 \n\t 2\r\r3 \t'],
  ])('splits on XML whitespace: %s', (_name, text) => {
    const { scan, out } = read(text, 3);
    expect(scan.count).toBe(3);
    expect(Array.from(out)).toEqual([1, 2, 3]);
  });

  it('writes at the offset, at most `capacity` values, and keeps counting', () => {
    const out = new Float64Array(6).fill(9);
    const scan = readSampleValues('1 2 3 4 5', out, 2, 3);
    expect(scan.count).toBe(5);
    expect(Array.from(out)).toEqual([9, 9, 1, 2, 3, 9]);
  });

  it.each([[''], ['   '], ['\n\t\r\n']])('counts zero values in %j', (text) => {
    expect(read(text).scan.count).toBe(0);
  });

  it.each([
    ['NaN', 1],
    ['INF', 1],
    ['-INF', 1],
    ['+INF', 1],
    ['1e400', 1],
    ['-1e400', 1],
  ])('reports %s as the first non-finite value', (token, index) => {
    const { scan } = read(`0 ${token} NaN`);
    expect(scan).toMatchObject({ count: 3, firstNonFinite: index, firstInvalid: -1 });
  });

  it.each([
    ['1e'],
    ['1e+'],
    ['.'],
    ['+'],
    ['0x10'],
    ['0b1'],
    ['Infinity'],
    ['-Infinity'],
    ['1_000'],
    ['1,5'],
    ['--1'],
    ['١'],
    ['1\u00a02'],
    ['\u00a01'],
    ['nan'],
  ])('reports %j as not a number, even where Number() would read one', (token) => {
    const { scan } = read(`0 ${token} x`);
    expect(scan).toMatchObject({ count: 3, firstInvalid: 1, invalidToken: token, firstNonFinite: -1 });
  });

  it('caps the echoed invalid token', () => {
    const { scan } = read(`x${'9'.repeat(100)}`);
    expect(scan.invalidToken).toBe(`x${'9'.repeat(31)}…`);
  });

  it('checks tokens beyond capacity too', () => {
    expect(read('1 2 NaN', 2).scan).toMatchObject({ count: 3, firstNonFinite: 2 });
    expect(read('1 2 oops', 2).scan).toMatchObject({ count: 3, firstInvalid: 2 });
  });
});
