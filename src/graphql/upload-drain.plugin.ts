import type { ApolloServerPlugin } from '@apollo/server';
import { Upload } from 'graphql-upload-minimal';
import { drainUpload } from './upload-source';

/** Finds the multipart uploads referenced by a request's variables (they may be nested in input objects). */
function uploadsIn(value: unknown, found: Upload[] = [], depth = 0): Upload[] {
  if (value instanceof Upload) found.push(value);
  else if (depth < 32 && value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) uploadsIn(child, found, depth + 1);
  }
  return found;
}

/**
 * Drains every upload no resolver read: a request refused by the permission layer or a rate limit never opens its
 * file stream, and an unread multipart body would stall the connection (the next request on it is reset).
 */
export function uploadDrainPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ request }) {
          for (const upload of uploadsIn(request.variables)) drainUpload(upload.promise);
        },
      };
    },
  };
}
