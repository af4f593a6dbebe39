import { GraphQLScalarType } from 'graphql';
import { GraphQLUpload, type FileUpload } from 'graphql-upload-minimal';

/**
 * A file upload that may still be arriving. Deliberately not a thenable: type-graphql awaits promise-valued
 * arguments before calling a resolver, which would move upload failures (a missing file part, a client that
 * disconnects) outside the resolver, where they could only surface as unmapped errors.
 */
export class PendingUpload {
  constructor(readonly file: Promise<FileUpload>) {}
}

/** graphql-upload-minimal's `Upload` scalar, with values wrapped in {@link PendingUpload}. */
export const UploadScalar = new GraphQLScalarType<PendingUpload, never>({
  name: 'Upload',
  description: 'A file sent as a part of a multipart request (GraphQL multipart request specification).',
  parseValue: (value) => new PendingUpload(GraphQLUpload.parseValue(value) as Promise<FileUpload>),
  parseLiteral: (node, variables) => GraphQLUpload.parseLiteral(node, variables) as never,
  serialize: (value) => GraphQLUpload.serialize(value) as never,
});
