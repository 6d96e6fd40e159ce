import { Cron } from 'croner';
import { ValidationError } from './errors.js';

/**
 * Cron arithmetic for schedules: 5 fields (minute first) or 6 (seconds first), evaluated in an IANA time zone so
 * "every day at 02:00 Europe/Paris" follows daylight saving time as a person expects.
 */
export function checkSchedule(cronExpression: string, timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new ValidationError('timeZone', `'${timeZone}' is not an IANA time zone (e.g. UTC, Europe/Paris, America/New_York)`);
  }
  const fields = cronExpression.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    throw new ValidationError('cron', `expected 5 fields (minute hour day month weekday) or 6 (seconds first), got ${fields}`);
  }
  let cron: Cron;
  try {
    cron = new Cron(cronExpression, { timezone: timeZone, paused: true });
  } catch (error) {
    throw new ValidationError('cron', error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error));
  }
  // Without a year field, an expression that has no next run never has one (February 30th, say).
  if (cron.nextRun() === null) throw new ValidationError('cron', `never fires: no date matches '${cronExpression}'`);
}

/** The first run strictly after `after` (epoch ms), or null when the expression never fires again. */
export function nextRunTime(cronExpression: string, timeZone: string, after: number): number | null {
  const next = new Cron(cronExpression, { timezone: timeZone, paused: true }).nextRun(new Date(after));
  return next ? next.getTime() : null;
}
