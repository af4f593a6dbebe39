import { upload, type PredictionJson } from '../support/graphql-client';
import { startGateway, type RunningGateway } from '../support/gateway';
import { NS, tokens, xmlBatch } from '../support/xml';

let gw: RunningGateway;
beforeAll(async () => {
  gw = await startGateway(); // default 64 MiB upload limit, so size caps are not what stops these
});
afterAll(() => gw.stop());

const laughs = [
  '<?xml version="1.0"?>',
  '<!DOCTYPE batch [',
  '  <!ENTITY lol "lol">',
  ...Array.from({ length: 9 }, (_, i) => `  <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
  ']>',
  `<batch xmlns="${NS}"><sample>&lol9;</sample></batch>`,
].join('\n');

const hostile: { name: string; body: string | Uint8Array; code: string }[] = [
  {
    name: 'an external entity (XXE)',
    body: `<?xml version="1.0"?><!DOCTYPE batch [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><batch xmlns="${NS}"><sample>&xxe;</sample></batch>`,
    code: 'XML_FORBIDDEN_DECLARATION',
  },
  { name: 'billion laughs', body: laughs, code: 'XML_FORBIDDEN_DECLARATION' },
  {
    name: 'an external DTD',
    body: `<?xml version="1.0"?><!DOCTYPE batch SYSTEM "http://127.0.0.1:9/evil.dtd"><batch xmlns="${NS}"><sample>1</sample></batch>`,
    code: 'XML_FORBIDDEN_DECLARATION',
  },
  {
    name: 'a parameter entity',
    body: `<!DOCTYPE batch [<!ENTITY % p SYSTEM "file:///etc/hostname"> %p;]><batch xmlns="${NS}"/>`,
    code: 'XML_FORBIDDEN_DECLARATION',
  },
  {
    name: 'an XInclude',
    body: `<batch xmlns="${NS}" xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/></batch>`,
    code: 'XML_SCHEMA_INVALID',
  },
  {
    name: 'deep nesting',
    body: `<batch xmlns="${NS}">${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</batch>`,
    code: 'XML_MALFORMED',
  },
  // libxml 2.9 without `huge` cannot read past 10,000,000 bytes of an in-memory document: bigger XML is refused first.
  {
    name: 'a huge text node beyond the XML size cap',
    body: xmlBatch([tokens(6_000_000, () => '1')]),
    code: 'FILE_TOO_LARGE',
  },
  {
    name: 'a 9.9 MB text node within the cap',
    body: xmlBatch([tokens(4_900_000, () => '1')]),
    code: 'WRONG_SAMPLE_LENGTH',
  },
  {
    name: 'UTF-16LE with BOM',
    body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xmlBatch([tokens(5000)]), 'utf16le')]),
    code: 'XML_UNSUPPORTED_ENCODING',
  },
  {
    name: 'UTF-16BE with BOM',
    body: Buffer.from([0xfe, 0xff, 0x00, 0x3c, 0x00, 0x62]),
    code: 'XML_UNSUPPORTED_ENCODING',
  },
  {
    name: 'a Latin-1 declaration',
    body: xmlBatch([tokens(5000)], { prolog: '<?xml version="1.0" encoding="ISO-8859-1"?>' }),
    code: 'XML_UNSUPPORTED_ENCODING',
  },
  {
    name: 'invalid UTF-8 bytes',
    body: Buffer.concat([
      Buffer.from(`<batch xmlns="${NS}"><sample id="`),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('">1</sample></batch>'),
    ]),
    code: 'XML_UNSUPPORTED_ENCODING',
  },
];

describe('hostile XML is refused before it can do harm, and the gateway keeps serving', () => {
  it.each(hostile)('$name', async ({ body, code }) => {
    const res = await upload(gw.predictor, body);
    expect(res.body.errors?.[0]?.extensions?.code).toBe(code);
    const text = JSON.stringify(res.body);
    expect(text).not.toMatch(/root:|lollol|\/work\/|node_modules/);
    const ok = await upload<{ predict: PredictionJson }>(gw.predictor, xmlBatch([tokens(5000)]));
    expect(ok.body.data?.predict.shape).toEqual([1, 2]);
  });

  it('accepts comments and whitespace around valid samples', async () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?>\n<!-- a comment -->\n<batch xmlns="${NS}">\n\t<sample id="a">\n${tokens(5000)}\n</sample>\n</batch>`;
    const res = await upload<{ predict: PredictionJson }>(gw.predictor, xml);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.predict.samples[0]?.id).toBe('a');
  });
});
