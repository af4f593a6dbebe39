/** What {@link scrubPaths} puts where a path was. */
export const PATH_PLACEHOLDER = '<path>';

/** Characters that end a path in a message: whitespace, quotes, brackets and separators. */
const STOP = String.raw`\s'"\x60<>()[\]{},;:|`;
/** A path's segments, not ending with a full stop (the end of a sentence), then any `:line:column`. */
const BODY = `[^${STOP}]*[^${STOP}.](?::\\d+)*`;

/**
 * Absolute paths: POSIX (`/srv/models/x`, `//host/share`), a drive (`C:\models`, `D:/src`) or UNC (`\\host\share`),
 * each starting a word: `dir/file`, `3/4` or `<model@1>/model.onnx` are not absolute.
 */
const ABSOLUTE_PATH = new RegExp(
  [`(?<![\\w.~>/\\\\-])/+${BODY}`, `(?<![\\w\\\\])[A-Za-z]:[\\\\/]${BODY}`, `(?<![\\w\\\\])\\\\\\\\${BODY}`].join('|'),
  'g',
);

/**
 * Replaces every absolute path in a message (the server's folders, a library's source files) with `placeholder`,
 * keeping the rest of the message: what a message may show a client.
 */
export function scrubPaths(message: string, placeholder = PATH_PLACEHOLDER): string {
  return message.replace(ABSOLUTE_PATH, placeholder);
}
