import { Cron } from 'croner';

const longest = new Map<string, number>();

/**
 * The longest wait between two runs of an NCRONTAB schedule (6 fields, seconds first, UTC), over its next runs:
 * how long a timer may rightly stay silent. A longer silence means it did not run — the master was down.
 */
export function longestScheduleIntervalMs(schedule: string, runs = 24): number {
  const known = longest.get(schedule);
  if (known !== undefined) return known;
  const next = new Cron(schedule, { timezone: 'UTC', paused: true }).nextRuns(runs + 1);
  let interval = 0;
  for (let i = 1; i < next.length; i++) interval = Math.max(interval, next[i]!.getTime() - next[i - 1]!.getTime());
  longest.set(schedule, interval);
  return interval;
}
