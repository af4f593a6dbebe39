import { ErrorCode } from '../../../src/errors/error-code';
import { detectBatchFormat, safeBasename } from '../../../src/codec/detect-format';
import { npyBytes } from '../../support/npy';
import { thrown } from './codec-helpers';

const npy = npyBytes({ descr: '<f8', shape: [1, 2] });
const xml = Buffer.from('<batch xmlns="urn:infergraph:batch:1"/>');
const text = (s: string) => Buffer.from(s, 'utf8');

describe('detectBatchFormat', () => {
  it.each([
    ['the NPY magic', npy, undefined],
    ['the NPY magic under an .xml name', npy, 'batch.xml'],
    [
      'the NPY magic followed by junk',
      Buffer.concat([Buffer.from('\x93NUMPY', 'latin1'), Buffer.from([0xff])]),
      undefined,
    ],
  ])('answers npy for %s', (_name, bytes, filename) => {
    expect(detectBatchFormat(bytes, filename)).toBe('npy');
  });

  it.each([
    ['"<"', xml],
    ['an XML declaration', text('<?xml version="1.0"?><batch/>')],
    ['a UTF-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), xml])],
    ['leading whitespace and newlines', text(' \r\n\t\n<batch/>')],
    ['a BOM then whitespace', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text('\n <x/>')])],
    ['a UTF-16LE BOM', Buffer.from([0xff, 0xfe, 0x3c, 0x00])],
    ['a UTF-16BE BOM', Buffer.from([0xfe, 0xff, 0x00, 0x3c])],
    ['a UTF-32LE BOM', Buffer.from([0xff, 0xfe, 0x00, 0x00])],
    ['a UTF-32BE BOM', Buffer.from([0x00, 0x00, 0xfe, 0xff])],
    ['BOM-less UTF-16LE', Buffer.from('<batch/>', 'utf16le')],
    ['BOM-less UTF-16BE', Buffer.from('<batch/>', 'utf16le').swap16()],
    ['"<" under a .npy name (bytes win)', Buffer.concat([xml])],
  ])('answers xml for %s', (name, bytes) => {
    expect(detectBatchFormat(bytes, name.includes('.npy') ? 'x.npy' : undefined)).toBe('xml');
  });

  it.each([
    ['plain text', text('hello, world'), undefined],
    ['plain text named .xml (a name is not enough)', text('hello, world'), 'batch.xml'],
    ['JSON', text('{"samples": []}'), 'batch.json'],
    ['CSV', text('1,2,3\n4,5,6\n'), 'batch.csv'],
    ['binary junk', Uint8Array.from({ length: 2048 }, (_, i) => (i * 7919) % 251), undefined],
    ['whitespace only', text(' \n\t '), undefined],
    ['no bytes', Buffer.alloc(0), 'x.npy'],
    ['a BOM alone', Buffer.from([0xef, 0xbb, 0xbf]), undefined],
    ['a partial NPY magic without a .npy name', Buffer.from([0x93, 0x4e, 0x55]), undefined],
    ['the magic with a wrong letter', Buffer.from('\x93NUMPZ\x01\x00', 'latin1'), 'x.npy'],
  ])('answers UNSUPPORTED_FILE_TYPE for %s', (_name, bytes, filename) => {
    expect(thrown(() => detectBatchFormat(bytes, filename)).code).toBe(ErrorCode.UNSUPPORTED_FILE_TYPE);
  });

  it('routes a truncated NPY magic to the NPY decoder when the name agrees', () => {
    expect(detectBatchFormat(Buffer.from([0x93, 0x4e, 0x55]), 'data/x.NPY')).toBe('npy');
  });

  it('puts only a safe basename in the details', () => {
    expect(thrown(() => detectBatchFormat(text('hello'), '/etc/secret/report.csv')).details).toEqual({
      filename: 'report.csv',
    });
    expect(thrown(() => detectBatchFormat(text('hello'))).details).toEqual({});
  });
});

describe('safeBasename', () => {
  it.each([
    ['/etc/passwd', 'passwd'],
    ['C:\\Users\\me\\a b.csv', 'a b.csv'],
    ['../../x.npy', 'x.npy'],
    ['<script>alert(1)</script>.txt', 'script_.txt'],
    ['<b>"quoted"&amp;.txt', '_b__quoted__amp_.txt'],
    ['..', undefined],
    ['', undefined],
    ['dir/', undefined],
    [undefined, undefined],
    ['é\u0000\n.xml', '___.xml'],
  ])('%j → %j', (input, expected) => {
    expect(safeBasename(input)).toBe(expected);
  });

  it('caps the length at 100 characters', () => {
    expect(safeBasename(`${'a'.repeat(300)}.xml`)).toHaveLength(100);
  });
});
