import { createHash } from 'node:crypto';
import { QueueSASPermissions, QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { ringTimeToLiveSeconds, takeRings, type DoorbellTicket } from '../../contracts/doorbell.js';
import type { Clock } from '../clock.js';

/**
 * The doorbell (docs/adr/0001-a-doorbell-that-crosses-instances.md): one Azure Storage queue per worker,
 * `scaleout-bell-<worker>`. Whatever instance makes work claimable puts a message in the queues of the workers that
 * may take it; each idle worker reads its own queue (with a short-lived SAS the master hands it in heartbeat
 * answers) and claims over HTTPS at once. So a wake-up crosses Functions instances, and an idle worker costs
 * storage reads, not a function request held open.
 */
export interface Doorbell {
  /**
   * Rings the bells of these workers, or of every worker that has one but those in `except` (workers this instance
   * wakes itself: ClaimsHeldHere).
   */
  ring(workers: readonly string[] | 'all', except?: ReadonlySet<string>): Promise<void>;
  /** The worker's bell (created on first use on this instance) and a SAS to read it with. */
  ticket(workerAgentId: string): Promise<DoorbellTicket>;
  /**
   * A claim held open on this instance (the one-box only) listens to the worker's bell too: `true` once it rang
   * (the rings are taken off the queue), `false` when the worker has no bell here yet.
   */
  takeRings(workerAgentId: string): Promise<boolean>;
  /** The worker was removed: its bell goes. */
  remove(workerAgentId: string): Promise<void>;
}

export const bellQueuePrefix = 'scaleout-bell-';

/** How long a ticket's SAS lets the worker read its bell: an idle worker's heartbeat brings a new one long before. */
export const ticketValidForMs = 60 * 60_000;

interface PendingRing {
  workers: Set<string> | 'all';
  /** Workers every ring asked for meanwhile excepted (so a worker one of them wanted rung is rung). */
  except: Set<string>;
  done: Promise<void>;
}

const ignore = (): void => undefined;

/** Taken at load, so that a test faking timers cannot hold the rings back. */
const timer = setTimeout;
/**
 * A fan-out waits for the event loop's next timer phase. The claims the same work woke on this instance wait for
 * this turn's check phase to begin their catalog transaction (GroupCommit), so they are answered first, and the
 * storage client's work for the bells of workers elsewhere (a round trip to storage and a poll away anyway) does
 * not delay them. Rings asked for meanwhile join the same fan-out.
 */
const afterClaimsHeldHere = (): Promise<void> => new Promise((resolve) => timer(resolve, 0));

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `scaleout-bell-<worker id>` when the id is a lowercase GUID (as the master makes them), else a hash of it. */
export function bellQueueName(workerAgentId: string): string {
  if (uuidPattern.test(workerAgentId)) return `${bellQueuePrefix}${workerAgentId}`;
  return `${bellQueuePrefix}h${createHash('sha256').update(workerAgentId).digest('hex').slice(0, 40)}`;
}

/**
 * The doorbell on a storage account reached with its account key (a connection string): the key signs the
 * tickets' service SAS, since queues take no user delegation SAS (the ADR says why this is a separate account).
 */
export class StorageDoorbell implements Doorbell {
  readonly #service: QueueServiceClient;
  /** Bells created by this instance: a claim held here listens only to those. */
  readonly #created = new Map<string, Promise<void>>();
  /** One fan-out at a time; rings asked for meanwhile go out together in the next one. */
  #inFlight: Promise<void> | undefined;
  #pending: PendingRing | undefined;

  constructor(
    connectionString: string,
    private readonly clock: Clock,
  ) {
    this.#service = QueueServiceClient.fromConnectionString(connectionString);
  }

  ring(workers: readonly string[] | 'all', except: ReadonlySet<string> = new Set()): Promise<void> {
    const wanted = workers === 'all' ? 'all' : workers.filter((worker) => !except.has(worker));
    if (wanted !== 'all' && wanted.length === 0) return Promise.resolve();
    let pending = this.#pending;
    if (!pending) {
      // Rings asked for while a fan-out is under way (it may have listed the bells already) go out together next.
      const next: PendingRing = { workers: new Set(), except: new Set(except), done: Promise.resolve() };
      const previous = this.#inFlight ?? Promise.resolve();
      next.done = previous.then(ignore, ignore).then(afterClaimsHeldHere).then(() => {
        this.#pending = undefined;
        this.#inFlight = this.#send(next.workers, next.except);
        return this.#inFlight;
      });
      this.#pending = pending = next;
    } else {
      for (const worker of pending.except) if (!except.has(worker)) pending.except.delete(worker);
    }
    if (wanted === 'all') pending.workers = 'all';
    else if (pending.workers !== 'all') for (const worker of wanted) pending.workers.add(worker);
    return pending.done;
  }

  async ticket(workerAgentId: string): Promise<DoorbellTicket> {
    const queue = this.#queue(workerAgentId);
    await this.#ensure(workerAgentId, queue);
    const queueUrl = queue.generateSasUrl({
      // Read (peek) and process (receive, delete): the worker can neither ring its own bell nor reach another's.
      permissions: QueueSASPermissions.parse('rp'),
      expiresOn: new Date(this.clock.now() + ticketValidForMs),
    });
    return { queueUrl, validForMs: ticketValidForMs };
  }

  async takeRings(workerAgentId: string): Promise<boolean> {
    if (!this.#created.has(workerAgentId)) return false;
    return (await takeRings(this.#queue(workerAgentId))) > 0;
  }

  async remove(workerAgentId: string): Promise<void> {
    this.#created.delete(workerAgentId);
    await this.#queue(workerAgentId).deleteIfExists();
  }

  #queue(workerAgentId: string): QueueClient {
    return this.#service.getQueueClient(bellQueueName(workerAgentId));
  }

  #ensure(workerAgentId: string, queue: QueueClient): Promise<void> {
    let created = this.#created.get(workerAgentId);
    if (!created) {
      created = queue.createIfNotExists().then(
        () => undefined,
        (error: unknown) => {
          this.#created.delete(workerAgentId);
          throw error;
        },
      );
      this.#created.set(workerAgentId, created);
    }
    return created;
  }

  async #send(workers: Set<string> | 'all', except: Set<string>): Promise<void> {
    const excepted = new Set([...except].map(bellQueueName));
    const names = (workers === 'all' ? await this.#bellNames() : [...workers].map(bellQueueName)).filter(
      (name) => !excepted.has(name),
    );
    const results = await Promise.allSettled(
      names.map((name) => this.#service.getQueueClient(name).sendMessage('ring', { messageTimeToLive: ringTimeToLiveSeconds })),
    );
    // A worker that never asked for a ticket has no bell: nothing listens there.
    const failed = results.filter(
      (result): result is PromiseRejectedResult => result.status === 'rejected' && statusOf(result.reason) !== 404,
    );
    if (failed.length > 0) {
      throw new Error(`${failed.length} of ${names.length} doorbells did not ring`, { cause: failed[0]!.reason });
    }
  }

  async #bellNames(): Promise<string[]> {
    const names: string[] = [];
    for await (const queue of this.#service.listQueues({ prefix: bellQueuePrefix })) names.push(queue.name);
    return names;
  }
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'statusCode' in error ? Number(error.statusCode) : undefined;
}
