import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';

import { WorkerChannel, type ChannelFailure, type WorkerChannelOptions } from '../../../src/lib/worker-channel';

const REPO = path.resolve(__dirname, '..', '..', '..');
const ECHO = path.join(REPO, 'test', 'fixtures', 'workers', 'echo.worker.js');

type Op = 'echo' | 'length' | 'defer' | 'flush' | 'twice' | 'notes' | 'later' | 'exit' | 'throw';
interface EchoRequest {
  readonly id: number;
  readonly op: Op;
  readonly value?: unknown;
}
interface EchoReply {
  readonly id: number;
  readonly value: unknown;
}
interface EchoNotice {
  readonly op: 'note';
  readonly value: string;
}
type EchoHello = { readonly kind: 'ready' } | { readonly kind: 'unusable'; readonly reason: string };
type EchoChannel = WorkerChannel<EchoRequest, EchoReply, EchoNotice, EchoHello>;

/** The error the test channels fail calls with: it carries the channel's reason, to be checked as is. */
class CallFailed extends Error {
  constructor(readonly failure: ChannelFailure) {
    super(`call failed: ${failure.kind}`);
  }
}

interface Harness {
  readonly channel: EchoChannel;
  /** Every worker the channel started, in order. */
  readonly workers: Worker[];
  /** Each ref() and unref() of a worker, with the calls in flight at that moment. */
  readonly refs: { readonly call: 'ref' | 'unref'; readonly inFlight: number }[];
  readonly crashes: number[];
}

const open: EchoChannel[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((channel) => channel.close()));
});

function harness(
  options: Partial<WorkerChannelOptions<EchoHello>> & { readonly hello?: 'ready' | 'unusable' } = {},
): Harness {
  const { hello, ...rest } = options;
  const workers: Worker[] = [];
  const refs: { call: 'ref' | 'unref'; inFlight: number }[] = [];
  const crashes: number[] = [];
  const channel: EchoChannel = new WorkerChannel<EchoRequest, EchoReply, EchoNotice, EchoHello>({
    spawn: () => {
      const worker = new Worker(ECHO, { workerData: { hello } });
      const ref = worker.ref.bind(worker);
      const unref = worker.unref.bind(worker);
      worker.ref = () => {
        refs.push({ call: 'ref', inFlight: channel.inFlight });
        ref();
      };
      worker.unref = () => {
        refs.push({ call: 'unref', inFlight: channel.inFlight });
        unref();
      };
      workers.push(worker);
      return worker;
    },
    afterCrash: 'restart',
    failure: (failure) => new CallFailed(failure),
    onCrash: (exitCode) => crashes.push(exitCode),
    ...(hello === undefined
      ? {}
      : { handshake: (h: EchoHello) => (h.kind === 'ready' ? undefined : new Error(h.reason)) }),
    ...rest,
  });
  open.push(channel);
  return { channel, workers, refs, crashes };
}

describe('WorkerChannel (request and reply over a worker thread)', () => {
  it('starts its worker on the first call and pairs every reply with its request, whatever their order', async () => {
    const { channel, workers } = harness();
    expect(channel.lifecycle).toBe('idle');
    expect(workers).toHaveLength(0);
    const held = ['a', 'b', 'c', 'd'].map((value) => channel.call({ op: 'defer', value }));
    expect(channel.lifecycle).toBe('running');
    expect(channel.inFlight).toBe(4);
    const flushed = await channel.call({ op: 'flush' });
    expect(flushed.value).toBe('flushed');
    expect((await Promise.all(held)).map((reply) => reply.value)).toEqual(['a', 'b', 'c', 'd']);
    expect(new Set((await Promise.all(held)).map((reply) => reply.id)).size).toBe(4);
    expect(workers).toHaveLength(1);
    expect(channel.inFlight).toBe(0);
  });

  it('keeps the worker referenced exactly while calls are unanswered, touching its handle only on a change', async () => {
    const { channel, refs } = harness();
    const held = [channel.call({ op: 'defer', value: 1 }), channel.call({ op: 'defer', value: 2 })];
    // Referenced by the first unanswered call; the second finds it so already.
    expect(refs.at(-1)).toEqual({ call: 'ref', inFlight: 1 });
    const seen = refs.length;
    await Promise.all([channel.call({ op: 'flush' }), ...held]);
    // Released once, by the last reply.
    expect(refs.slice(seen)).toEqual([{ call: 'unref', inFlight: 0 }]);
    expect(refs.filter((r) => (r.call === 'ref') !== r.inFlight > 0)).toEqual([]);
  });

  it('lets a process with only an idle worker exit, and keeps it alive while a call is unanswered', async () => {
    // The script's only work is one call answered from a timer in the worker: an unreferenced worker would let the
    // process end before the answer, and one left referenced would keep it from ending at all.
    const script = [
      "const { Worker } = require('node:worker_threads');",
      "const { WorkerChannel } = require('./src/lib/worker-channel');",
      `const channel = new WorkerChannel({ spawn: () => new Worker(${JSON.stringify(ECHO)}), afterCrash: 'stay-down', failure: (f) => new Error(f.kind) });`,
      "channel.call({ op: 'later', value: 'answered' }).then((reply) => console.log(reply.value));",
    ].join('\n');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-e', script],
      { cwd: REPO, timeout: 60_000 },
    );
    expect(stdout.trim()).toBe('answered');
  });

  it('fails a call that cannot be sent, and leaves nothing waiting for its answer', async () => {
    const { channel, refs } = harness();
    await expect(channel.call({ op: 'echo', value: () => 'not cloneable' })).rejects.toThrow(/could not be cloned/);
    expect(channel.inFlight).toBe(0);
    expect(refs.at(-1)).toEqual({ call: 'unref', inFlight: 0 });
    expect((await channel.call({ op: 'echo', value: 'next' })).value).toBe('next');
  });

  it('moves the memory of the transfer list to the worker', async () => {
    const { channel } = harness();
    const buffer = new ArrayBuffer(16);
    expect((await channel.call({ op: 'length', value: buffer }, [buffer])).value).toBe(16);
    expect(buffer.byteLength).toBe(0); // detached: moved, not cloned
  });

  it('delivers notices without waiting for an answer, and never starts a worker for one', async () => {
    const { channel, workers } = harness();
    channel.notify({ op: 'note', value: 'before any worker' });
    expect(channel.lifecycle).toBe('idle');
    expect(workers).toHaveLength(0);
    await channel.call({ op: 'echo', value: 0 });
    channel.notify({ op: 'note', value: 'first' });
    channel.notify({ op: 'note', value: 'second' });
    expect(channel.inFlight).toBe(0);
    expect((await channel.call({ op: 'notes' })).value).toEqual(['first', 'second']);
  });

  it('drops a reply to a call already answered', async () => {
    const { channel } = harness();
    expect((await channel.call({ op: 'twice' })).value).toBe('first');
    expect((await channel.call({ op: 'echo', value: 'next' })).value).toBe('next');
  });

  it('fails the calls a crashed worker left unanswered, reports the crash once, and restarts for the next call', async () => {
    const { channel, workers, crashes } = harness({ afterCrash: 'restart' });
    const held = expect(channel.call({ op: 'defer', value: 'lost' })).rejects.toMatchObject({
      failure: { kind: 'crashed', exitCode: 3 },
    });
    await expect(channel.call({ op: 'exit', value: 3 })).rejects.toMatchObject({
      failure: { kind: 'crashed', exitCode: 3 },
    });
    await held;
    expect(crashes).toEqual([3]);
    expect(channel.lifecycle).toBe('crashed');
    expect((await channel.call({ op: 'echo', value: 'again' })).value).toBe('again');
    expect(workers).toHaveLength(2);
    expect(workers[1]).not.toBe(workers[0]);
    expect(crashes).toEqual([3]);
  });

  it('stays down after a crash when told to: later calls fail with the exit code and start no worker', async () => {
    const { channel, workers, crashes } = harness({ afterCrash: 'stay-down' });
    await expect(channel.call({ op: 'exit', value: 7 })).rejects.toMatchObject({
      failure: { kind: 'crashed', exitCode: 7 },
    });
    await expect(channel.call({ op: 'echo', value: 1 })).rejects.toMatchObject({
      failure: { kind: 'down', exitCode: 7 },
    });
    expect(crashes).toEqual([7]);
    expect(workers).toHaveLength(1);
  });

  it('counts an uncaught error in the worker as a crash', async () => {
    const { channel, crashes } = harness();
    const held = expect(channel.call({ op: 'defer', value: 'lost' })).rejects.toMatchObject({
      failure: { kind: 'crashed', exitCode: 1 },
    });
    await expect(channel.call({ op: 'throw' })).rejects.toMatchObject({ failure: { kind: 'crashed', exitCode: 1 } });
    await held;
    expect(crashes).toEqual([1]);
  });

  it('fails the calls in flight when closed, and every call after, without reporting a crash', async () => {
    const { channel, crashes } = harness();
    const held = expect(channel.call({ op: 'defer', value: 'lost' })).rejects.toMatchObject({
      failure: { kind: 'terminated' },
    });
    await channel.close();
    await held;
    expect(channel.lifecycle).toBe('closed');
    await expect(channel.call({ op: 'echo', value: 1 })).rejects.toMatchObject({ failure: { kind: 'closed' } });
    await expect(channel.start()).rejects.toMatchObject({ failure: { kind: 'closed' } });
    await channel.close();
    expect(crashes).toEqual([]);
  });

  it('waits for the worker to say it is ready before sending, with a handshake', async () => {
    const { channel } = harness({ hello: 'ready' });
    const early = channel.call({ op: 'echo', value: 'sent once ready' });
    expect(channel.lifecycle).toBe('starting');
    await channel.start();
    expect(channel.lifecycle).toBe('running');
    expect((await early).value).toBe('sent once ready');
  });

  it('fails start and the calls waiting for it with the reason a worker gives for not serving', async () => {
    let crashed: (exitCode: number) => void = () => undefined;
    const crash = new Promise<number>((resolve) => (crashed = resolve));
    const { channel } = harness({ hello: 'unusable', afterCrash: 'stay-down', onCrash: (code) => crashed(code) });
    const waiting = expect(channel.call({ op: 'echo', value: 1 })).rejects.toThrow('no schema');
    await expect(channel.start()).rejects.toThrow('no schema');
    await waiting;
    // The worker ends after saying so: the end of a worker that never served, reported as a crash.
    const exitCode = await crash;
    await expect(channel.call({ op: 'echo', value: 1 })).rejects.toMatchObject({ failure: { kind: 'down', exitCode } });
  });
});
