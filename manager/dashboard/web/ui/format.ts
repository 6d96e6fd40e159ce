import { executionStatusNames } from '../../../../contracts/common.js';

/** Times as administrators read them: relative for "how long ago", local and exact on hover. */

export function ago(iso: string | null, now = Date.now()): string {
  if (iso === null) return 'never';
  return secondsAgo(Math.max(0, Math.round((now - Date.parse(iso)) / 1000)));
}

export function secondsAgo(seconds: number): string {
  if (seconds < 5) return 'just now';
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const minuteFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export const dateTime = (iso: string): string => dateTimeFormat.format(new Date(iso));

const shortDateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

/** For table cells: the time alone when it is today, else a short date and time. */
export function shortDateTime(iso: string, now = new Date()): string {
  const date = new Date(iso);
  return date.toDateString() === now.toDateString() ? timeFormat.format(date) : shortDateFormat.format(date);
}
export const clockTime = (iso: string): string => timeFormat.format(new Date(iso));
export const clockMinute = (iso: string): string => minuteFormat.format(new Date(iso));

export function duration(ms: number): string {
  // As the CLI writes it: a sub-second run is not "0 s".
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

type ExecutionStatusCode = keyof typeof executionStatusNames;

export const statusName = (status: number): string => executionStatusNames[status as ExecutionStatusCode] ?? `status ${status}`;

/** Created, pending, running or stopping: the execution may still change. */
export const isActive = (status: number): boolean => [1, 2, 5, 8].includes(status);

export const plural = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;
