import { ApiError } from '../../../contracts/client.js';
import type { ClaimedTask, TaskRef } from '../../../contracts/worker-protocol.js';
import type {
  ClaimRequest,
  ClaimResponse,
  CompleteRequest,
  CompleteResponse,
  EventsRequest,
  HeartbeatRequest,
  HeartbeatResponse,
  MasterClient,
} from '../../../worker-agent/master/master-client.js';

/** A network failure, as the transport throws it. */
export function connectionRefused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8391'), { code: 'ECONNREFUSED' });
}

export function staleAttempt(operationId = 'completeTask'): ApiError {
  return new ApiError(409, { type: 'about:blank', title: 'Conflict', status: 409, detail: 'the attempt is stale' }, operationId);
}

/** The master does not accept this worker (removed, unknown certificate). */
export function refused(detail = 'no worker agent is registered with this certificate (add it with `scaleout worker add`)'): ApiError {
  return new ApiError(401, { type: 'about:blank', title: 'Unauthorized', status: 401, detail }, 'workerHeartbeat');
}

type HeartbeatHandler = (request: HeartbeatRequest) => HeartbeatResponse | Promise<HeartbeatResponse>;

/**
 * An in-memory master for the agent's loops: tasks to hand out, a heartbeat that renews every lease unless told
 * otherwise, and a record of everything the worker reported. `down = true` makes every call fail as a refused
 * connection.
 */
export class FakeMaster implements MasterClient {
  /** @param now stamps each claim, so tests can see when the listener asked */
  constructor(private readonly now: () => number = () => 0) {}

  readonly queue: ClaimedTask[] = [];
  readonly claims: (ClaimRequest & { at: number })[] = [];
  readonly heartbeats: HeartbeatRequest[] = [];
  /** When each heartbeat arrived. */
  readonly heartbeatTimes: number[] = [];
  readonly events: { taskId: number; body: EventsRequest }[] = [];
  readonly completions: { taskId: number; body: CompleteRequest }[] = [];
  readonly archives = new Map<number, Uint8Array>();
  downloads = 0;
  leaseMs = 60_000;
  down = false;
  /** Fails the next N calls of any kind as unreachable. */
  failNext = 0;
  /** Most tasks one claim hands out. */
  maxPerClaim = Infinity;
  heartbeatHandler: HeartbeatHandler = (request) => this.renewAll(request);
  completeHandler: (taskId: number, body: CompleteRequest) => CompleteResponse | Promise<CompleteResponse> = () => ({
    executionStatus: 7,
    executionStatusName: 'succeeded',
    alreadyRecorded: false,
  });

  renewAll(request: HeartbeatRequest, extra: Partial<HeartbeatResponse> = {}): HeartbeatResponse {
    return { leaseMs: this.leaseMs, renewed: request.tasks, lost: [], cancel: [], workerEnabled: true, ...extra };
  }

  #check(): void {
    if (this.down) throw connectionRefused();
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw connectionRefused();
    }
  }

  async claimTasks(body: ClaimRequest): Promise<ClaimResponse> {
    this.#check();
    this.claims.push({ ...body, at: this.now() });
    return { tasks: this.queue.splice(0, Math.min(body.freeSlots, this.maxPerClaim)), leaseMs: this.leaseMs };
  }

  async heartbeat(body: HeartbeatRequest): Promise<HeartbeatResponse> {
    this.#check();
    this.heartbeats.push(structuredClone(body));
    this.heartbeatTimes.push(this.now());
    return this.heartbeatHandler(body);
  }

  async postEvents(taskId: number, body: EventsRequest): Promise<void> {
    this.#check();
    this.events.push({ taskId, body: structuredClone(body) });
  }

  async completeTask(taskId: number, body: CompleteRequest): Promise<CompleteResponse> {
    this.#check();
    const answer = await this.completeHandler(taskId, body);
    this.completions.push({ taskId, body: structuredClone(body) });
    return answer;
  }

  async downloadArchive(projectVersionId: number): Promise<Uint8Array> {
    this.#check();
    this.downloads += 1;
    const archive = this.archives.get(projectVersionId);
    if (!archive) throw new ApiError(404, undefined, 'downloadProjectArchive');
    return archive;
  }

  /** Every event message delivered for one attempt, in delivery order. */
  eventsOf(ref: TaskRef): EventsRequest['events'] {
    return this.events.filter((e) => e.taskId === ref.taskId && e.body.attemptNumber === ref.attemptNumber).flatMap((e) => e.body.events);
  }
}

let nextTaskId = 1;

/** A claimed task as the master would send it; override what the test cares about. */
export function claimedTask(overrides: Partial<ClaimedTask> = {}): ClaimedTask {
  const taskId = overrides.taskId ?? nextTaskId++;
  return {
    taskId,
    attemptNumber: 1,
    executionId: 1000 + taskId,
    folderName: 'Finance',
    projectName: 'Loads',
    packageName: 'Daily.dtsx',
    archive: { projectVersionId: 1, sha256: '0'.repeat(64), size: 0 },
    runner: 'node',
    entry: 'main.mjs',
    arguments: [],
    parameters: {},
    sensitiveParameterNames: [],
    timeoutMs: null,
    taskCredential: `task-credential-${taskId}`,
    ...overrides,
  };
}
