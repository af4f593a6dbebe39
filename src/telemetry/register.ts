/**
 * Preloaded with `node -r ./dist/telemetry/register.js dist/main.js` (`npm start` and the container do this): the
 * HTTP instrumentation has to be in place before `http` is first loaded, which happens as soon as `main.ts` imports
 * the server. This and `main.ts` are the process's two entry points, so this file reads the environment too.
 *
 * Worker threads inherit the `-r` and run it again; their stages are replayed on the main thread's spans, so only
 * the main thread starts tracing.
 */
import { isMainThread } from 'node:worker_threads';
import { tracingSettingsFrom } from '../config/config';
import { startTracing } from './tracing';

if (isMainThread) startTracing(tracingSettingsFrom(process.env));
