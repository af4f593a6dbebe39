import { PATH_PLACEHOLDER, scrubPaths } from '../../src/errors/scrub-paths';

/** What the integration tests also assert: no `/` that starts a path after a separator. */
const ABSOLUTE = /(^|[\s:'"(=,[])\/[^\s]+/;

describe('scrubPaths', () => {
  it('replaces the model file and the ONNX Runtime source paths of a runtime message, keeping its words', () => {
    const message =
      'Load model from /srv/models/ecg-rhythm/2/model.onnx failed:/onnxruntime_src/onnxruntime/core/graph/' +
      'model_load_utils.h:46 void onnxruntime::model_load_utils::ValidateOpsetForDomain(const std::string&, int) ' +
      'Opset 99 is under development.';
    const scrubbed = scrubPaths(message);
    expect(scrubbed).toBe(
      `Load model from ${PATH_PLACEHOLDER} failed:${PATH_PLACEHOLDER} void ` +
        'onnxruntime::model_load_utils::ValidateOpsetForDomain(const std::string&, int) Opset 99 is under development.',
    );
    expect(scrubbed).not.toMatch(ABSOLUTE);
  });

  it.each([
    ['a path at the start', '/tmp/junk.onnx: bad', `${PATH_PLACEHOLDER}: bad`],
    ['a path in quotes', `open '/var/lib/x.onnx' failed`, `open '${PATH_PLACEHOLDER}' failed`],
    ['a path in double quotes', 'file "/a/b" missing', `file "${PATH_PLACEHOLDER}" missing`],
    ['a path in parentheses', 'failed (/a/b/c.h:12)', `failed (${PATH_PLACEHOLDER})`],
    ['a path after an equals sign', 'path=/etc/passwd', `path=${PATH_PLACEHOLDER}`],
    ['a path at the end of a sentence', 'cannot read /home/me/m.onnx.', `cannot read ${PATH_PLACEHOLDER}.`],
    ['a path with several leading slashes', 'see //srv/share/x', `see ${PATH_PLACEHOLDER}`],
    ['a path with a line and column', 'at /src/a.cc:10:5 oops', `at ${PATH_PLACEHOLDER} oops`],
    [
      'a Windows drive path',
      'Load model from C:\\models\\x\\model.onnx failed',
      `Load model from ${PATH_PLACEHOLDER} failed`,
    ],
    ['a Windows path with forward slashes', 'at D:/onnxruntime/core/a.cc:3', `at ${PATH_PLACEHOLDER}`],
    ['a UNC path', 'on \\\\server\\share\\m.onnx now', `on ${PATH_PLACEHOLDER} now`],
    ['several paths', '/a/b and /c/d', `${PATH_PLACEHOLDER} and ${PATH_PLACEHOLDER}`],
  ])('replaces %s', (_where, message, expected) => {
    expect(scrubPaths(message)).toBe(expected);
    expect(scrubPaths(message)).not.toMatch(ABSOLUTE);
  });

  it.each([
    'Protobuf parsing failed.',
    'size 3 / 4 differs',
    'and/or a relative dir/file.onnx',
    '<ecg-rhythm@2>/model.onnx',
    'sha256 ab12 differs from manifest',
    'Error No Op registered for NoSuchOp with domain_version of 13',
    '',
  ])('leaves %j as it is', (message) => {
    expect(scrubPaths(message)).toBe(message);
  });

  it('takes another placeholder', () => {
    expect(scrubPaths('from /x/y failed', '<upload>')).toBe('from <upload> failed');
  });
});
