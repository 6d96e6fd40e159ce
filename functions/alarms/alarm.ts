import { z } from 'zod';

/**
 * An alarm: a durable timer kept as a message of the alarm queue, invisible until it is due (its visibility
 * delay), so that nothing runs — no function, no catalog statement — until then.
 * - `leases`: the earliest running lease ends at `dueAt`.
 * - `schedules`: the next enabled schedule is due at `dueAt`.
 */
export type Alarm = z.infer<typeof Alarm>;

const Alarm = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('leases'), dueAt: z.number().int() }),
  z.object({ kind: z.literal('schedules'), dueAt: z.number().int() }),
]);

/** A schedule alarm shows this much before its due time and its handler waits for the exact time, so that the
 * queue trigger's polling lag (host.json `maxPollingInterval`) and a cold start do not make the schedule late. */
export const scheduleAlarmLeadMs = 5000;

/** When the alarm's message is to show. */
export function showTime(alarm: Alarm): number {
  return alarm.kind === 'schedules' ? alarm.dueAt - scheduleAlarmLeadMs : alarm.dueAt;
}

/** Refuses a message that is not an alarm this master wrote: it ends in the poison queue, visible. */
export function parseAlarm(text: string): Alarm {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`not an alarm (not JSON): ${text.slice(0, 80)}`);
  }
  const parsed = Alarm.safeParse(json);
  if (!parsed.success) throw new Error(`not an alarm: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'message'}: ${issue.message}`).join('; ')}`);
  return parsed.data;
}
