import { compareEventMessages, type EventMessageView, type ExecutionSummaryView, type ExecutionView } from '../../../contracts/management/views.js';
import type { CommandContext } from '../context.js';
import type { ExecutionAccess } from './execution-access.js';

/** SSISDB statuses after which nothing changes: canceled, failed, ended unexpectedly, succeeded, completed. */
const endedStatuses = new Set([3, 4, 6, 7, 9]);

export const isEnded = (status: number): boolean => endedStatuses.has(status);

const eventPageSize = 1000;

export interface FollowHandlers {
  /** New lines, oldest first; `labelOf` names the descendant a line comes from (`p3`), undefined for the execution's own. */
  onEvents(events: readonly EventMessageView[], labelOf: (event: EventMessageView) => string | undefined): void;
  onExecution?(execution: ExecutionView): void;
}

export interface FollowOptions {
  /** Stop following when this passes before the execution ends. */
  timeoutMs?: number | undefined;
  /** The events cursor to start after. */
  after?: number;
  /** The descendants' lines too, where the credential allows. @default true */
  tree?: boolean;
  /** Once the execution has ended, go on until its descendants have ended too (`logs --follow`). @default false */
  untilTreeEnds?: boolean;
}

export interface FollowResult {
  execution: ExecutionView;
  /** `timeoutMs` passed before the execution ended. */
  timedOut: boolean;
  /** The events cursor reached. */
  cursor: number;
}

/**
 * Follows an execution: its status and its event messages (with the events cursor), with its descendants' lines in
 * the same stream, until it has ended and no new line has arrived for `quietMs` — lines reach the catalog through
 * the event queue moments after they are sent, so the end of an execution is not the end of its log. Stops early
 * when `timeoutMs` passes first.
 */
export async function followExecution(
  ctx: CommandContext,
  access: ExecutionAccess,
  executionId: number,
  handlers: FollowHandlers,
  options: FollowOptions = {},
): Promise<FollowResult> {
  const { clock, signal } = ctx.io;
  const { pollIntervalMs, quietMs } = ctx.timing;
  const tree = options.tree ?? true;
  const labels = new ExecutionLabels(access);
  const start = clock.now();
  let cursor = options.after ?? 0;
  let endedAt: number | undefined;
  let treeEnded = !options.untilTreeEnds;
  let lastLineAt = start;
  let execution: ExecutionView | undefined;
  for (;;) {
    // New lines are read before the status and shown after it: a line is written after its attempt was claimed,
    // so the attempt (and its worker) is announced before its first line.
    const fresh: EventMessageView[] = [];
    for (;;) {
      const page = await access.events(executionId, cursor, eventPageSize, tree);
      fresh.push(...page.events);
      cursor = page.nextCursor;
      if (page.events.length < eventPageSize) break;
    }
    if (endedAt === undefined) {
      execution = await access.get(executionId);
      labels.learn(execution);
      handlers.onExecution?.(execution);
      if (isEnded(execution.status)) endedAt = clock.now();
    }
    if (endedAt !== undefined && !treeEnded) treeEnded = (await access.descendants(execution!)).every((d) => isEnded(d.execution.status));
    if (fresh.length > 0) {
      // Lines already printed stay printed: each new batch is in log order, and joins the stream after them.
      fresh.sort(compareEventMessages);
      await labels.resolve(fresh);
      handlers.onEvents(fresh, (event) => labels.of(event.executionId));
      lastLineAt = clock.now();
    }
    const now = clock.now();
    if (endedAt !== undefined && treeEnded && now - Math.max(endedAt, lastLineAt) >= quietMs) {
      return { execution: execution!, timedOut: false, cursor };
    }
    if (endedAt === undefined && options.timeoutMs !== undefined && now - start >= options.timeoutMs) {
      return { execution: execution!, timedOut: true, cursor };
    }
    await clock.sleep(pollIntervalMs, signal);
  }
}

/** Every event message so far, page by page, with what names each line's execution. */
export async function readAllEvents(
  access: ExecutionAccess,
  executionId: number,
  tree: boolean,
): Promise<{ events: EventMessageView[]; nextCursor: number; labelOf: (event: EventMessageView) => string | undefined }> {
  const labels = new ExecutionLabels(access);
  labels.learn(await access.get(executionId));
  const events: EventMessageView[] = [];
  let cursor = 0;
  for (;;) {
    const page = await access.events(executionId, cursor, eventPageSize, tree);
    events.push(...page.events);
    cursor = page.nextCursor;
    if (page.events.length < eventPageSize) break;
  }
  events.sort(compareEventMessages);
  await labels.resolve(events);
  return { events, nextCursor: cursor, labelOf: (event) => labels.of(event.executionId) };
}

/**
 * Names the descendants of an execution in its log, so the tree reads as one stream: a child by the key its parent
 * gave it (`p3`), or by its ID and package (`43 partition`); a grandchild after its parent (`p3/q1`). The followed
 * execution's own lines carry no label. Its direct children are known from the execution itself; a deeper
 * descendant is looked up once, when its first line arrives.
 */
class ExecutionLabels {
  readonly #known = new Map<number, { parent: number | null; name: string }>();
  #root: number | undefined;

  constructor(private readonly access: ExecutionAccess) {}

  learn(execution: ExecutionSummaryView & { children?: readonly ExecutionSummaryView[] }): void {
    this.#root ??= execution.executionId;
    for (const known of [execution, ...(execution.children ?? [])]) {
      this.#known.set(known.executionId, { parent: known.parentExecutionId, name: known.childKey ?? `${known.executionId} ${known.packageName}` });
    }
  }

  async resolve(events: readonly EventMessageView[]): Promise<void> {
    const pending = [...new Set(events.map((e) => e.executionId))];
    while (pending.length > 0) {
      const id = pending.pop()!;
      if (this.#known.has(id)) continue;
      const found = await this.access.describe(id);
      this.#known.set(id, { parent: found?.parentExecutionId ?? null, name: found ? (found.childKey ?? `${id} ${found.packageName}`) : String(id) });
      if (found?.parentExecutionId != null) pending.push(found.parentExecutionId);
    }
  }

  /** The label of a line of this execution; undefined for the followed execution's own lines. */
  of(executionId: number): string | undefined {
    if (executionId === this.#root) return undefined;
    const known = this.#known.get(executionId);
    if (!known) return String(executionId);
    if (known.parent === null || known.parent === this.#root || !this.#known.has(known.parent)) return known.name;
    return `${this.of(known.parent)}/${known.name}`;
  }
}
