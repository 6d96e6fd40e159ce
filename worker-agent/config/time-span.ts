/**
 * Durations in the settings file. SSIS writes them as .NET time spans (`hh:mm:ss`, `d.hh:mm:ss`, optional
 * fraction: `00:00:10`, `7.00:00:00`); a unit suffix (`500ms`, `10s`, `5m`, `1h`, `7d`) is accepted too.
 */
const timeSpanPattern = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$/;
const unitPattern = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds, or `undefined` when `text` is not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  const span = timeSpanPattern.exec(trimmed);
  if (span) {
    const [, days, hours, minutes, seconds, fraction] = span;
    if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) return undefined;
    const fractionMs = fraction ? Math.round(Number(`0.${fraction}`) * 1000) : 0;
    return (
      Number(days ?? 0) * unitMs.d +
      Number(hours) * unitMs.h +
      Number(minutes) * unitMs.m +
      Number(seconds) * unitMs.s +
      fractionMs
    );
  }
  const unit = unitPattern.exec(trimmed);
  if (unit) return Math.round(Number(unit[1]) * unitMs[unit[2] as keyof typeof unitMs]);
  return undefined;
}

/** The SSIS form of a duration: `hh:mm:ss`, with `d.` in front past a day and `.fff` for milliseconds. */
export function formatTimeSpan(ms: number): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const days = Math.floor(ms / unitMs.d);
  const hours = Math.floor((ms % unitMs.d) / unitMs.h);
  const minutes = Math.floor((ms % unitMs.h) / unitMs.m);
  const seconds = Math.floor((ms % unitMs.m) / unitMs.s);
  const millis = ms % 1000;
  return `${days > 0 ? `${days}.` : ''}${pad(hours)}:${pad(minutes)}:${pad(seconds)}${millis > 0 ? `.${String(millis).padStart(3, '0')}` : ''}`;
}
