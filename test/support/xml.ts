/** Hand-built XML batches for tests, including deliberately broken ones. */
export const NS = 'urn:infergraph:batch:1';

/** A sample body of `n` tokens; `token(i)` may return any text, valid or not. */
export function tokens(n: number, token: (i: number) => string = (i) => String(Math.sin(i / 10))): string {
  return Array.from({ length: n }, (_, i) => token(i)).join(' ');
}

/** A batch document from raw sample bodies (no escaping: tests control the text). */
export function xmlBatch(
  samples: readonly string[],
  options: { ids?: readonly string[]; prolog?: string } = {},
): string {
  const body = samples
    .map((s, i) =>
      options.ids?.[i] === undefined ? `<sample>${s}</sample>` : `<sample id="${options.ids[i]}">${s}</sample>`,
    )
    .join('\n  ');
  return `${options.prolog ?? '<?xml version="1.0" encoding="UTF-8"?>'}\n<batch xmlns="${NS}">\n  ${body}\n</batch>\n`;
}
