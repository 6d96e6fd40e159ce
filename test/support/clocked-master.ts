import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

export interface ClockedMaster {
  url: string;
  thumbprint: string;
  setTime(epochMs: number): Promise<void>;
  /** Runs one of the master's timers now, as the timer would, and waits for it to finish. */
  runTimer(name: string): Promise<void>;
  stop(): Promise<void>;
  /** SIGKILL: the master dies at once, as a crashed instance does. */
  kill(): Promise<void>;
}

/**
 * A local host in its own process (test/processes/clocked-master.ts, compiled to dist/) with a clock the test
 * moves. Two of them on one catalog file are two real masters contending for it.
 */
export async function startClockedMaster(env: Record<string, string>, clockStart: number): Promise<ClockedMaster> {
  const child = fork(join(process.cwd(), 'dist/test/processes/clocked-master.js'), [], {
    env: { ...process.env, ...env, TEST_CLOCK_START: String(clockStart) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = (await nextMessage(child)) as { op: string; url: string; thumbprint: string };
  if (ready.op !== 'ready') throw new Error(`clocked master did not start: ${JSON.stringify(ready)}`);
  const request = async (message: unknown): Promise<void> => {
    const reply = nextMessage(child);
    child.send(message as object);
    const answer = (await reply) as { op: string; message?: string };
    if (answer.op !== 'done') throw new Error(`clocked master failed: ${answer.message}`);
  };
  return {
    url: ready.url,
    thumbprint: ready.thumbprint,
    setTime: (time) => request({ op: 'set-time', time }),
    runTimer: (name) => request({ op: 'run-timer', name }),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.send({ op: 'stop' });
      await exited;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

function nextMessage(child: ChildProcess): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      child.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null): void => {
      child.off('message', onMessage);
      reject(new Error(`clocked master exited with code ${code}`));
    };
    child.once('message', onMessage);
    child.once('exit', onExit);
  });
}
