import { open, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { TaskOutcome, WorkerEvent, type TaskRef } from '../contracts/worker-protocol.js';
import type { AgentClock } from './clock.js';
import { asError, describeError } from './errors.js';
import type { Logger } from './log.js';
import type { ConnectivityMonitor } from './master/connectivity.js';
import type { MasterClient } from './master/master-client.js';
import { classifyMasterFailure, isRetriable } from './master/master-errors.js';

/** A report about one attempt: a batch of its event messages, or how it ended. */
export const Report = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('events'), taskId: z.int(), attemptNumber: z.int(), events: z.array(WorkerEvent).min(1) }),
  z.object({
    kind: z.literal('complete'),
    taskId: z.int(),
    attemptNumber: z.int(),
    outcome: TaskOutcome,
    exitCode: z.int().nullable(),
    message: z.string().optional(),
  }),
]);
export type Report = z.infer<typeof Report>;

const SpoolRecord = z.object({ version: z.literal(1), createdTime: z.number(), report: Report });

/** How a report fared: delivered (or already recorded), kept on disk for later, or dropped for good. */
export type SubmitResult = 'delivered' | 'spooled' | 'stale' | 'rejected';

export interface ReportSpoolOptions {
  /** ExecutionLogCacheFolder. */
  folder: string;
  master: MasterClient;
  clock: AgentClock;
  log: Logger;
  connectivity: ConnectivityMonitor;
  /** ExecutionLogRetryTimeout: a report waiting longer than this is given up. */
  retryTimeoutMs: number;
}

/**
 * Reports to the master that must not be lost. A report is sent at once when nothing of its attempt is waiting;
 * otherwise, or when the master cannot be reached, it is written to ExecutionLogCacheFolder (write, flush, rename:
 * a crash leaves either the whole report or none) and delivered later, oldest first, so an attempt's events and
 * its completion arrive in order — also after the agent restarts. A 409 means the attempt is stale: that report
 * is dropped and never retried; so is one the master rejects as invalid.
 */
export class ReportSpool {
  /** Spooled file names, oldest first. */
  #files: string[] = [];
  #nextSequence = 1;
  #delivering: Promise<boolean> | undefined;
  #offline = false;

  constructor(private readonly options: ReportSpoolOptions) {}

  /** Reads what a previous run left behind. */
  async open(): Promise<void> {
    await mkdir(this.options.folder, { recursive: true });
    const names = await readdir(this.options.folder);
    for (const name of names.filter((n) => n.endsWith('.tmp'))) await rm(join(this.options.folder, name), { force: true });
    this.#files = names.filter((n) => /^\d{12}-.*\.json$/.test(n)).sort();
    const last = this.#files.at(-1);
    this.#nextSequence = last ? Number(last.slice(0, 12)) + 1 : 1;
  }

  get pendingCount(): number {
    return this.#files.length;
  }

  /** The attempts whose completion waits here: their leases must be kept until it is delivered. */
  pendingCompletions(): TaskRef[] {
    return this.#files.flatMap((name) => {
      const match = /^\d{12}-(\d+)-(\d+)-complete\.json$/.exec(name);
      return match ? [{ taskId: Number(match[1]), attemptNumber: Number(match[2]) }] : [];
    });
  }

  /** Sends a report now if it can be, or keeps it for later. */
  async submit(report: Report): Promise<SubmitResult> {
    if (this.#offline || this.#hasPendingFor(report)) {
      await this.#write(report);
      return 'spooled';
    }
    try {
      await this.#deliver(report);
      this.options.connectivity.succeeded();
      return 'delivered';
    } catch (thrown) {
      const error = asError(thrown);
      const kind = classifyMasterFailure(error);
      if (isRetriable(kind)) {
        this.options.connectivity.failed(`report on task ${report.taskId}`, error);
        await this.#write(report);
        return 'spooled';
      }
      this.#logDropped(report, kind, error);
      return kind === 'stale' ? 'stale' : 'rejected';
    }
  }

  /** From now on reports go straight to disk without trying the master (a forced shutdown must not wait on it). */
  goOffline(): void {
    this.#offline = true;
  }

  /**
   * Delivers the spooled reports, oldest first, until none is left (`true`) or the master cannot be reached
   * (`false`; the rest stays for the next call). Concurrent calls share one pass.
   */
  deliverPending(): Promise<boolean> {
    this.#delivering ??= this.#deliverAll().finally(() => (this.#delivering = undefined));
    return this.#delivering;
  }

  async #deliverAll(): Promise<boolean> {
    while (this.#files.length > 0) {
      const name = this.#files[0] as string;
      const path = join(this.options.folder, name);
      const record = await this.#read(path);
      if (record && this.options.clock.now() - record.createdTime > this.options.retryTimeoutMs) {
        this.options.log.warn(`gave up a ${record.report.kind} report on task ${record.report.taskId}: undelivered for longer than ExecutionLogRetryTimeout`);
      } else if (record) {
        try {
          await this.#deliver(record.report);
          this.options.connectivity.succeeded();
        } catch (thrown) {
          const error = asError(thrown);
          const kind = classifyMasterFailure(error);
          if (isRetriable(kind)) {
            this.options.connectivity.failed('delivering cached reports', error);
            return false;
          }
          this.#logDropped(record.report, kind, error);
        }
      }
      await rm(path, { force: true });
      this.#files.shift();
    }
    return true;
  }

  async #deliver(report: Report): Promise<void> {
    if (report.kind === 'events') {
      await this.options.master.postEvents(report.taskId, { attemptNumber: report.attemptNumber, events: report.events });
      return;
    }
    await this.options.master.completeTask(report.taskId, {
      attemptNumber: report.attemptNumber,
      outcome: report.outcome,
      exitCode: report.exitCode,
      ...(report.message !== undefined ? { message: report.message } : {}),
    });
  }

  #hasPendingFor(report: Report): boolean {
    const marker = `-${report.taskId}-${report.attemptNumber}-`;
    return this.#files.some((name) => name.includes(marker));
  }

  async #write(report: Report): Promise<void> {
    const sequence = this.#nextSequence++;
    const name = `${String(sequence).padStart(12, '0')}-${report.taskId}-${report.attemptNumber}-${report.kind}.json`;
    const path = join(this.options.folder, name);
    const body = JSON.stringify({ version: 1, createdTime: this.options.clock.now(), report });
    const handle = await open(`${path}.tmp`, 'w', 0o600);
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(`${path}.tmp`, path);
    await syncFolder(this.options.folder);
    this.#files.push(name);
  }

  async #read(path: string): Promise<z.infer<typeof SpoolRecord> | undefined> {
    try {
      const parsed = SpoolRecord.safeParse(JSON.parse(await readFile(path, 'utf8')));
      if (parsed.success) return parsed.data;
      this.options.log.warn(`dropped an unreadable cached report ${path}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    } catch (thrown) {
      this.options.log.warn(`dropped an unreadable cached report ${path}: ${asError(thrown).message}`);
    }
    return undefined;
  }

  #logDropped(report: Report, kind: string, error: Error): void {
    const what = `${report.kind === 'events' ? `${report.events.length} event messages` : `the ${report.outcome} report`} of task ${report.taskId} attempt ${report.attemptNumber}`;
    if (kind === 'stale') this.options.log.warn(`dropped ${what}: the attempt is stale (${describeError(error)})`);
    else this.options.log.error(`dropped ${what}: the master rejected it (${describeError(error)})`);
  }
}

/** Makes a rename durable. Windows cannot open a folder for flushing; its renames are durable enough. */
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
