import { GraphQLError } from 'graphql';

/** GraphQL's variable-coercion message: `Variable "$x" got invalid value <value>[ at "x.path"]; <reason>`. */
const COERCION_HEAD = /^(Variable "\$[_A-Za-z][_0-9A-Za-z]*" got invalid value) [\s\S]*?((?: at "[^"]*")?)$/;

/** GraphQL's scalar refusals end with the value itself (`String cannot represent a non string value: <value>`). */
const REASON_VALUE = /^([\s\S]*? value): [\s\S]*$/;

/**
 * A variable-coercion message without the value it printed, or `undefined` when `error` is not one.
 *
 * GraphQL prints the refused value into the message twice (after "got invalid value" and at the end of the scalar's
 * reason). For a file mapped into a non-`Upload` variable, that value is the upload object: field name, filename,
 * MIME type, encoding and its functions. The name, path and reason stay, so the message still says what to fix.
 */
export function withoutVariableValue(error: unknown): string | undefined {
  if (!(error instanceof GraphQLError) || error.originalError === undefined) return undefined;
  const reason = error.originalError.message;
  const suffix = `; ${reason}`;
  if (!error.message.endsWith(suffix)) return undefined;
  const head = COERCION_HEAD.exec(error.message.slice(0, -suffix.length));
  if (head === null) return undefined;
  const bareReason = (REASON_VALUE.exec(reason)?.[1] ?? reason).replace(/\.$/, '');
  return `${head[1]}${head[2] ?? ''}; ${bareReason}.`;
}
