import { ErrorCode } from '../../../src/errors/error-code';
import { parseNpyHeader } from '../../../src/codec/npy/npy-header';
import { parsePyLiteral } from '../../../src/codec/npy/python-literal';
import { npyBytes } from '../../support/npy';
import { thrown } from './codec-helpers';

const withHeader = (header: string, version: 1 | 2 | 3 = 1) => npyBytes({ descr: '<f8', shape: [0], header, version });

describe('parseNpyHeader', () => {
  it('reads a numpy-style version 1.0 header', () => {
    const bytes = npyBytes({ descr: '<f8', shape: [3, 5000, 1] });
    expect(parseNpyHeader(bytes)).toEqual({
      major: 1,
      minor: 0,
      descr: '<f8',
      fortranOrder: false,
      shape: [3, 5000, 1],
      dataOffset: bytes.length - 3 * 5000 * 8,
    });
    expect((bytes.length - 3 * 5000 * 8) % 64).toBe(0);
  });

  it.each([2, 3] as const)('reads a version %i.0 header (4-byte length)', (version) => {
    const bytes = npyBytes({ descr: '<f4', shape: [2, 7], version });
    const header = parseNpyHeader(bytes);
    expect(header).toMatchObject({ major: version, descr: '<f4', shape: [2, 7], dataOffset: bytes.length - 2 * 7 * 4 });
  });

  it.each([
    ['double quotes, no trailing comma', '{"descr": "<f8", "fortran_order": False, "shape": (2, 3)}', [2, 3]],
    ['Python 2 long integers', "{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 3L), }", [2, 3]],
    ['keys in another order', "{'shape': (4,), 'fortran_order': True, 'descr': '>i8'}", [4]],
    ['a 0-d shape', "{'descr': '<f8', 'fortran_order': False, 'shape': ()}", []],
    ['generous whitespace', "{ 'descr' :'<f8' ,\t'fortran_order':False , 'shape' : ( 1 , 2 , ) }", [1, 2]],
  ])('accepts %s', (_name, header, shape) => {
    expect(parseNpyHeader(withHeader(header)).shape).toEqual(shape);
  });

  it('reports a structured dtype as descr null', () => {
    const header = "{'descr': [('x', '<f8'), ('y', '<f8')], 'fortran_order': False, 'shape': (2,)}";
    expect(parseNpyHeader(withHeader(header)).descr).toBeNull();
  });

  describe('NPY_MALFORMED', () => {
    const good = npyBytes({ descr: '<f8', shape: [1, 2] });
    it.each([
      ['an empty file', Buffer.alloc(0)],
      ['a wrong magic string', Buffer.concat([Buffer.from('\x93NUMPZ', 'latin1'), good.subarray(6)])],
      ['a file cut inside the preamble', good.subarray(0, 9)],
      ['a header length past the end of the file', good.subarray(0, 40)],
      [
        'a header over 10,000 bytes',
        npyBytes({
          descr: '<f8',
          shape: [1],
          version: 2,
          header: `{'descr': '<f8', 'fortran_order': False, 'shape': (1,)}${' '.repeat(10_050)}`,
        }),
      ],
    ])('for %s', (_name, bytes) => {
      expect(thrown(() => parseNpyHeader(bytes)).code).toBe(ErrorCode.NPY_MALFORMED);
    });

    it.each([
      ['a missing key', "{'descr': '<f8', 'shape': (1,)}"],
      ['an extra key', "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'extra': 1}"],
      ['a duplicate key', "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}"],
      ['a list shape', "{'descr': '<f8', 'fortran_order': False, 'shape': [1, 2]}"],
      ['a negative dimension', "{'descr': '<f8', 'fortran_order': False, 'shape': (-1, 2)}"],
      ['a float dimension', "{'descr': '<f8', 'fortran_order': False, 'shape': (1.5, 2)}"],
      ['a hexadecimal dimension', "{'descr': '<f8', 'fortran_order': False, 'shape': (0x10, 2)}"],
      ['an exponent dimension', "{'descr': '<f8', 'fortran_order': False, 'shape': (1e3, 2)}"],
      ['a dimension beyond 2^53', "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999, 2)}"],
      ['a string dimension', "{'descr': '<f8', 'fortran_order': False, 'shape': ('1', 2)}"],
      ['fortran_order as a string', "{'descr': '<f8', 'fortran_order': 'no', 'shape': (1,)}"],
      ['fortran_order as an integer', "{'descr': '<f8', 'fortran_order': 0, 'shape': (1,)}"],
      ['a one-element tuple without its comma', "{'descr': '<f8', 'fortran_order': False, 'shape': (3)}"],
      ['not a dict', "('<f8', False, (1,))"],
      ['text after the dict', "{'descr': '<f8', 'fortran_order': False, 'shape': (1,)} junk"],
      ['an unterminated string', "{'descr': '<f8, 'fortran_order': False, 'shape': (1,)}"],
      ['a string escape', "{'descr': '<f\\x38', 'fortran_order': False, 'shape': (1,)}"],
      [
        'a function call (never evaluated)',
        "{'descr': __import__('os').system('id'), 'fortran_order': False, 'shape': (1,)}",
      ],
      [
        'nesting deeper than 8',
        `{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': ${'('.repeat(20)}${')'.repeat(20)}}`,
      ],
      ['an unclosed dict', "{'descr': '<f8', 'fortran_order': False, 'shape': (1,)"],
    ])('for a header with %s', (_name, header) => {
      const error = thrown(() => parseNpyHeader(withHeader(header)));
      expect(error.code).toBe(ErrorCode.NPY_MALFORMED);
      expect(error.message).not.toMatch(/import|system/);
    });
  });

  it.each([
    [4, 0],
    [1, 1],
    [0, 0],
  ])('answers NPY_UNSUPPORTED for format version %i.%i', (major, minor) => {
    const bytes = npyBytes({ descr: '<f8', shape: [1, 2] });
    bytes[6] = major;
    bytes[7] = minor;
    const error = thrown(() => parseNpyHeader(bytes));
    expect(error).toMatchObject({ code: ErrorCode.NPY_UNSUPPORTED, details: { version: `${major}.${minor}` } });
  });
});

describe('parsePyLiteral', () => {
  it('parses the literal subset', () => {
    expect(parsePyLiteral("{'a': (1, 2,), 'b': [True, None], 'c': \"x\"}")).toEqual({
      kind: 'dict',
      entries: new Map<string, unknown>([
        ['a', { kind: 'tuple', items: [1, 2] }],
        ['b', { kind: 'list', items: [true, null] }],
        ['c', 'x'],
      ]),
    });
  });

  it.each([['1 2'], ['{1: 2}'], ['Truex'], ['-1'], ['{']])('rejects %j', (text) => {
    expect(() => parsePyLiteral(text)).toThrow(/at offset/);
  });
});
