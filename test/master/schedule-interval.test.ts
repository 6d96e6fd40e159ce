import { describe, expect, it } from 'vitest';
import { longestScheduleIntervalMs } from '../../functions/timers/schedule-interval.js';

describe('how long a timer may rightly stay silent', () => {
  it('is the longest wait between two runs of its NCRONTAB schedule', () => {
    expect(longestScheduleIntervalMs('*/5 * * * * *')).toBe(5000);
    expect(longestScheduleIntervalMs('*/1 * * * * *')).toBe(1000);
    // SSIS's DealWithExpiredTasksIntervalInMs, 300000.
    expect(longestScheduleIntervalMs('0 */5 * * * *')).toBe(300_000);
    // Uneven: at seconds 0 and 10 of each minute, so up to 50 s apart.
    expect(longestScheduleIntervalMs('0,10 * * * * *')).toBe(50_000);
  });
});
