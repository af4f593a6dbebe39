/**
 * The gateway under measurement, as an operator runs it: `dist/main.js` (run `npm run build` first) in its own
 * process with production settings, logged in as its admin. Shared by the benchmarks that drive it over HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
export const ADMIN_PASSWORD = 'benchmark horse battery staple 42';

/** A running gateway process. */
export interface GatewayProcess {
  /** Its GraphQL endpoint. */
  readonly url: string;
  readonly child: ChildProcess;
  /** The admin's bearer token and Apollo's CSRF preflight header, for multipart requests. */
  readonly headers: Record<string, string>;
  /** Resident memory of the gateway and its runner processes (`ORT_RUNNER=process`), in bytes. */
  rss(): number;
  /** The same, each process at its peak. */
  peakRss(): number;
  stop(): Promise<void>;
}

/** A `/proc/<pid>/status` field in bytes (NaN once the process is gone). */
function statusOf(pid: number, field: string): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${field}:`));
    return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) * 1024;
  } catch {
    return NaN;
  }
}

/** `pid` and its children (the runners), which hold the models' memory when they run in processes of their own. */
function tree(pid: number): number[] {
  const children = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return /^\d+ \(.*\) \S (\d+)/.exec(readFileSync(`/proc/${entry}/stat`, 'utf8'))?.[1] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
  return [pid, ...children];
}

/**
 * Starts the gateway with production settings plus `env` (the shipped models by default), waits until it listens,
 * and logs in as its admin.
 */
export async function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['-r', './dist/telemetry/register.js', 'dist/main.js'], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      MODELS_DIR: path.join(ROOT, 'models'),
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'infergraph-bench-')),
      // Production refuses a predictable secret.
      JWT_SECRET: randomBytes(48).toString('base64url'),
      ADMIN_PASSWORD,
      ACCESS_TOKEN_TTL_SECONDS: '7200',
      PREDICT_RATE_LIMIT_PER_MINUTE: '1000000',
      PREDICT_MAX_CONCURRENCY: '1000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = /"port":(\d+)[^\n]*gateway listening/.exec(out);
      if (found) resolve(Number(found[1]));
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${String(code)}: ${out.slice(-500)}`)));
  });
  child.stdout?.resume();
  const url = `http://127.0.0.1:${port}/graphql`;
  const login = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: `mutation { login(username: "admin", password: "${ADMIN_PASSWORD}") { accessToken } }`,
    }),
  });
  const token = ((await login.json()) as { data: { login: { accessToken: string } } }).data.login.accessToken;
  const pid = child.pid as number;
  const sum = (field: string): number => tree(pid).reduce((total, p) => total + (statusOf(p, field) || 0), 0);
  return {
    url,
    child,
    headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' },
    rss: () => sum('VmRSS'),
    peakRss: () => sum('VmHWM'),
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
