import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerAgent } from '../../../worker-agent/agent.js';
import { Backoff } from '../../../worker-agent/backoff.js';
import { Dispatcher } from '../../../worker-agent/dispatcher.js';
import { Doorbell } from '../../../worker-agent/doorbell.js';
import { HeartbeatLoop } from '../../../worker-agent/heartbeat.js';
import { Listener } from '../../../worker-agent/listener.js';
import type { PackageExecutor } from '../../../worker-agent/package-executor.js';
import { ConnectivityMonitor } from '../../../worker-agent/master/connectivity.js';
import { ReportSpool } from '../../../worker-agent/report-spool.js';
import type { ResourceSample } from '../../../worker-agent/resources.js';
import { FakeClock, settle } from './fake-clock.js';
import { FakeExecutor } from './fake-executor.js';
import { FakeMaster } from './fake-master.js';
import { memoryLogger } from './logs.js';

export interface HarnessOptions {
  /** @default a FakeExecutor: a package the test controls */
  executor?: (clock: FakeClock) => PackageExecutor;
  maxTaskCount?: number;
  heartbeatErrorToleranceMs?: number;
  drainTimeoutMs?: number;
  /** TaskRequestMaxCPU. @default 70 */
  maxCpuPercent?: number;
  /** Heartbeat answers carry a doorbell ticket; the bell is `bell` below, read every 1.2 s. @default false */
  doorbell?: boolean;
}

/** The worker's bell in memory: rings waiting, reads made, and a switch to make reading fail. */
export interface FakeBell {
  rings: number;
  reads: number;
  failing: boolean;
}

/**
 * The agent's real loops — listener, heartbeat, dispatcher, report spool, WorkerAgent — wired as `start` wires
 * them, around a fake master, a package the test controls and a clock it moves by hand. Jitter is fixed at the
 * middle of its range so waits are predictable.
 */
export async function agentHarness(options: HarnessOptions = {}) {
  const clock = new FakeClock();
  const master = new FakeMaster(() => clock.now());
  const log = memoryLogger();
  const fake = new FakeExecutor();
  const executor = options.executor?.(clock) ?? fake;
  const connectivity = new ConnectivityMonitor(log, () => clock.now());
  const folder = mkdtempSync(join(tmpdir(), 'scaleout-worker-agent-'));
  const spool = new ReportSpool({ folder, master, clock, log, connectivity, retryTimeoutMs: 7 * 86_400_000 });
  await spool.open();
  const resources: ResourceSample = { cpuPercent: 10, freeMemoryMb: 4096 };
  const dispatcher = new Dispatcher({
    maxTaskCount: options.maxTaskCount ?? 10,
    heartbeatErrorToleranceMs: options.heartbeatErrorToleranceMs ?? 600_000,
    requestHeartbeat: () => heartbeat.beatNow(),
    clock,
    log,
    spool,
    executor,
  });
  const bell: FakeBell = { rings: 0, reads: 0, failing: false };
  const doorbell = options.doorbell
    ? new Doorbell({
        clock,
        log,
        pollIntervalMs: 1200,
        open: () => async () => {
          bell.reads += 1;
          if (bell.failing) throw new Error('connect ECONNREFUSED 127.0.0.1:10001');
          const rings = bell.rings;
          bell.rings = 0;
          return rings;
        },
      })
    : undefined;
  if (doorbell) {
    const ticket = { queueUrl: 'http://127.0.0.1:10001/devstoreaccount1/scaleout-bell-test?sig=x', validForMs: 3_600_000 };
    master.heartbeatHandler = (request) => master.renewAll(request, { doorbell: ticket });
  }
  const heartbeat = new HeartbeatLoop({
    master,
    clock,
    connectivity,
    target: dispatcher,
    taskIntervalMs: 10_000,
    agentIntervalMs: 60_000,
    agent: { agentVersion: '0.1.0', os: 'test', machineName: 'test', userAccount: 'test' },
    ...(doorbell ? { doorbell } : {}),
  });
  const middle = (): number => 0.5;
  const listener = new Listener({
    master,
    clock,
    log,
    connectivity,
    dispatcher,
    spool,
    resources: { sample: () => ({ ...resources }) },
    maxCpuPercent: options.maxCpuPercent ?? 70,
    minMemoryMb: 100,
    claimWaitMs: 20_000,
    idleBackoff: new Backoff({ initialMs: 1000, maxMs: 30_000, random: middle }),
    errorBackoff: new Backoff({ initialMs: 2000, maxMs: 60_000, random: middle }),
    ...(doorbell ? { doorbell } : {}),
  });
  const agent = new WorkerAgent({
    listener,
    heartbeat,
    dispatcher,
    spool,
    clock,
    log,
    drainTimeoutMs: options.drainTimeoutMs ?? 300_000,
    spoolRetryMs: 10_000,
  });
  let running: Promise<void> | undefined;
  return {
    clock,
    master,
    log,
    executor: fake,
    bell,
    spool,
    dispatcher,
    resources,
    agent,
    folder,
    start(): void {
      running = agent.run();
    },
    /** Stops the agent at once and waits for it. */
    async dispose(): Promise<void> {
      agent.stop({ force: true });
      // The forced stop writes reports to disk (real I/O, slow on a busy machine): give it real time as well as
      // fake time before the folder goes, or the removal races the writes.
      const pause = (): Promise<boolean> => new Promise((resolve) => setTimeout(() => resolve(false), 20));
      for (let i = 0; i < 250 && running; i++) {
        const done = await Promise.race([running.then(() => true), settle().then(pause)]);
        if (done) break;
        await clock.advance(10_000);
      }
      rmSync(folder, { recursive: true, force: true, maxRetries: 5 });
    },
    get finished(): Promise<void> {
      return running ?? Promise.resolve();
    },
  };
}
