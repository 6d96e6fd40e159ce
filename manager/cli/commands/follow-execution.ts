import { getExecution, listExecutionEvents } from '../../../contracts/management/endpoints.js';
import type { EventMessageView, ExecutionView } from '../../../contracts/management/views.js';
import type { MasterApi } from '../client.js';
import type { CommandContext } from '../context.js';

/** SSISDB statuses after which nothing changes: canceled, failed, ended unexpectedly, succeeded, completed. */
const endedStatuses = new Set([3, 4, 6, 7, 9]);

export const isEnded = (status: number): boolean => endedStatuses.has(status);

const eventPageSize = 1000;

export interface FollowHandlers {
  onEvents(events: readonly EventMessageView[]): void;
  onExecution?(execution: ExecutionView): void;
}

export interface FollowResult {
  execution: ExecutionView;
  /** `timeoutMs` passed before the execution ended. */
  timedOut: boolean;
  /** The events cursor reached. */
  cursor: number;
}

/**
 * Follows an execution: its status and its event messages (with the events cursor), until it has ended and no
 * new line has arrived for `quietMs` — lines reach the catalog through the event queue moments after they are
 * sent, so the end of an execution is not the end of its log. Stops early when `timeoutMs` passes first.
 */
export async function followExecution(
  ctx: CommandContext,
  api: MasterApi,
  executionId: number,
  handlers: FollowHandlers,
  options: { timeoutMs?: number | undefined; after?: number } = {},
): Promise<FollowResult> {
  const { clock, signal } = ctx.io;
  const { pollIntervalMs, quietMs } = ctx.timing;
  const start = clock.now();
  let cursor = options.after ?? 0;
  let endedAt: number | undefined;
  let lastLineAt = start;
  let execution: ExecutionView | undefined;
  for (;;) {
    // New lines are read before the status and shown after it: a line is written after its attempt was claimed,
    // so the attempt (and its worker) is announced before its first line.
    const fresh: EventMessageView[] = [];
    for (;;) {
      const page = await api.call(listExecutionEvents, { params: { executionId }, query: { after: cursor, limit: eventPageSize } });
      fresh.push(...page.events);
      cursor = page.nextCursor;
      if (page.events.length < eventPageSize) break;
    }
    if (endedAt === undefined) {
      execution = await api.call(getExecution, { params: { executionId } });
      handlers.onExecution?.(execution);
      if (isEnded(execution.status)) endedAt = clock.now();
    }
    if (fresh.length > 0) {
      handlers.onEvents(fresh);
      lastLineAt = clock.now();
    }
    const now = clock.now();
    if (endedAt !== undefined && now - Math.max(endedAt, lastLineAt) >= quietMs) return { execution: execution!, timedOut: false, cursor };
    if (endedAt === undefined && options.timeoutMs !== undefined && now - start >= options.timeoutMs) {
      return { execution: execution!, timedOut: true, cursor };
    }
    await clock.sleep(pollIntervalMs, signal);
  }
}

/** Every event message so far, page by page. */
export async function readAllEvents(api: MasterApi, executionId: number): Promise<{ events: EventMessageView[]; nextCursor: number }> {
  const events: EventMessageView[] = [];
  let cursor = 0;
  for (;;) {
    const page = await api.call(listExecutionEvents, { params: { executionId }, query: { after: cursor, limit: eventPageSize } });
    events.push(...page.events);
    cursor = page.nextCursor;
    if (page.events.length < eventPageSize) return { events, nextCursor: cursor };
  }
}
