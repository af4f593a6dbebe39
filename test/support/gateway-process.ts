import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { REPO_ROOT, testEnv } from './gateway';

/** A gateway running as its own process. */
export interface Started {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<number | null>;
  /** Everything it has printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when the process has logged a line with this message. */
  logged(message: string): Promise<void>;
}

/**
 * Starts the gateway as its own process (default `node dist/main.js`; `args` replaces what follows `node`) on a free
 * port with the test environment plus `env`, and resolves once it logs that it listens.
 */
export function startProcess(
  env: Record<string, string>,
  args: readonly string[] = ['dist/main.js'],
): Promise<Started> {
  const child = spawn(process.execPath, [...args], {
    cwd: REPO_ROOT,
    // The runner an operator gets by default, where in-process test gateways use threads (see testEnv).
    env: { PATH: process.env['PATH'] ?? '', ...testEnv({ LOG_LEVEL: 'info', ORT_RUNNER: 'process', ...env }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const logged = (message: string): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (out.includes(`"msg":"${message}"`)) {
          child.stdout?.off('data', check);
          resolve();
        }
      };
      child.stdout?.on('data', check);
      check();
    });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    void logged('gateway listening').then(() => {
      const port = Number(/"port":(\d+)[^\n]*gateway listening/.exec(out)?.[1]);
      resolve({ child, port, exited, logged, output: () => out });
    });
    void exited.then((code) => reject(new Error(`exited with ${String(code)} before listening: ${out}`)));
  });
}

/** The ONNX Runtime child processes (`ort-session.process`) of process `pid`: its runners and validations. */
export function sessionProcesses(pid: number | undefined): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((child) => {
      try {
        const ppid = /^\d+ \(.*\) \S (\d+)/.exec(readFileSync(`/proc/${child}/stat`, 'utf8'))?.[1];
        return ppid === String(pid) && readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('ort-session.process');
      } catch {
        return false; // ended meanwhile
      }
    })
    .map(Number);
}

/** Whether process `pid` has been killed: gone, or a zombie nobody has reaped yet; never still running. */
export function killed(pid: number): boolean {
  try {
    return /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] === 'Z';
  } catch {
    return true; // gone
  }
}
