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

const hostile: [string, string | Uint8Array, string][] = [
  ['an external entity (XXE)', `<?xml version="1.0"?><!DOCTYPE batch [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><batch xmlns="${NS}"><sample>&xxe;</sample></batch>`, 'XML_FORBIDDEN_DECLARATION'],
  ['billion laughs', laughs, 'XML_FORBIDDEN_DECLARATION'],
  ['an external DTD', `<?xml version="1.0"?><!DOCTYPE batch SYSTEM "http://127.0.0.1:9/evil.dtd"><batch xmlns="${NS}"><sample>1</sample></batch>`, 'XML_FORBIDDEN_DECLARATION'],
  ['a parameter entity', `<!DOCTYPE batch [<!ENTITY % p SYSTEM "file:///etc/hostname"> %p;]><batch xmlns="${NS}"/>`, 'XML_FORBIDDEN_DECLARATION'],
  ['an XInclude', `<batch xmlns="${NS}" xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/></batch>`, 'XML_SCHEMA_INVALID'],
  ['deep nesting', `<batch xmlns="${NS}">${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</batch>`, 'XML_MALFORMED'],
  ['a huge text node', xmlBatch([tokens(6_000_000, () => '1')]), 'XML_MALFORMED'],
  ['UTF-16LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xmlBatch([tokens(5000)]), 'utf16le')]), 'XML_UNSUPPORTED_ENCODING'],
  ['UTF-16BE with BOM', Buffer.from([0xfe, 0xff, 0x00, 0x3c, 0x00, 0x62]), 'XML_UNSUPPORTED_ENCODING'],
  ['a Latin-1 declaration', xmlBatch([tokens(5000)], { prolog: '<?xml version="1.0" encoding="ISO-8859-1"?>' }), 'XML_UNSUPPORTED_ENCODING'],
  ['invalid UTF-8 bytes', Buffer.concat([Buffer.from(`<batch xmlns="${NS}"><sample id="`), Buffer.from([0xc3, 0x28]), Buffer.from('">1</sample></batch>')]), 'XML_UNSUPPORTED_ENCODING'],
];

describe('hostile XML is refused before it can do harm, and the gateway keeps serving', () => {
  it.each(hostile)('%s', async (_name, body, code) => {
    const res = await upload(gw.graphqlUrl, body);
    expect(res.body.errors?.[0]?.extensions?.code).toBe(code);
    const text = JSON.stringify(res.body);
    expect(text).not.toMatch(/root:|lollol|\/work\/|node_modules/);
    const ok = await upload<{ predict: PredictionJson }>(gw.graphqlUrl, xmlBatch([tokens(5000)]));
    expect(ok.body.data?.predict.shape).toEqual([1, 2]);
  });

  it('accepts comments and whitespace around valid samples', async () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?>\n<!-- a comment -->\n<batch xmlns="${NS}">\n\t<sample id="a">\n${tokens(5000)}\n</sample>\n</batch>`;
    const res = await upload<{ predict: PredictionJson }>(gw.graphqlUrl, xml);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.predict.samples[0]?.id).toBe('a');
  });
});
