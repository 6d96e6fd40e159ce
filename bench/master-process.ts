import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface MasterStats {
  catalogQueries: number;
  waitingClaims: number;
  /** CPU time (user + system) the master's process has used. */
  cpuMicros: number;
}

export interface MasterMemory {
  /** The master process's resident set now. */
  rssBytes: number;
  /** Its highest resident set since the previous memory() (sampled every 10 ms). */
  peakRssBytes: number;
}

/**
 * The benchmarks' master (dispatch-master.ts), started from dist/ beside this file in a process of its own, so
 * that its CPU time and memory are its own; asked over IPC. SCALEOUT_BENCH_MASTER_EXEC_ARGV: Node options for
 * it, space-separated (e.g. `--cpu-prof --cpu-prof-dir=prof` to profile it).
 */
export async function startBenchMaster() {
  const execArgv = (process.env['SCALEOUT_BENCH_MASTER_EXEC_ARGV'] ?? '').split(' ').filter((option) => option !== '');
  const child = fork(fileURLToPath(new URL('./dispatch-master.js', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [...process.execArgv, ...execArgv],
  });
  const ask = <T>(question?: object): Promise<T> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`the benchmark's master exited (code ${code})`));
      child.once('message', (answer) => {
        child.off('exit', onExit);
        resolve(answer as T);
      });
      child.once('exit', onExit);
      if (question) child.send(question);
    });
  const started = await ask<{ url: string; thumbprint: string; adminKey: string; synchronous: string }>();
  return {
    ...started,
    stats: () => ask<MasterStats>({ op: 'stats' }),
    memory: () => ask<MasterMemory>({ op: 'memory' }),
    stop: async () => {
      const exited = once(child, 'exit');
      child.send({ op: 'stop' });
      await exited;
    },
  };
}
