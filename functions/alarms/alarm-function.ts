import { setTimeout as delay } from 'node:timers/promises';
import type { QueueFunction } from '../queues/queue-function.js';
import { parseAlarm, scheduleAlarmLeadMs } from './alarm.js';
import { checkLeases } from './check-leases.js';
import { armNextSchedule, fireSchedules } from './fire-schedules.js';

/**
 * An alarm later than this was not handled when due (the master or the catalog was down, or its handling failed
 * and was retried): nobody watched the leases meanwhile. The queue trigger's own lag is a few seconds.
 */
const lateAfterMs = 15_000;
/** A message that shows earlier than its lead (a delay capped at 7 days) is put back for the rest. */
const longestWaitMs = scheduleAlarmLeadMs + 2000;

/**
 * The master's alarms (alarm.ts), as a queue function: Azure's queue trigger and the local host's queue runner
 * hand it each alarm when its message shows. Duplicates do no harm: both checks are idempotent, an instance arms
 * no lease alarm behind one of its own still to come (alarms.ts), and a duplicate schedule alarm ends (below).
 */
export const masterAlarmFunction: QueueFunction = {
  kind: 'queue',
  name: 'masterAlarm',
  queueSetting: 'SCALEOUT_ALARM_QUEUE_NAME',
  queueName: (config) => config.alarmQueueName,
  queue: (services) => services.alarmQueue,
  async run(message, services, invocation) {
    const alarm = parseAlarm(message.text);
    const wait = alarm.dueAt - services.clock.now();
    if (wait > longestWaitMs) return services.alarms.arm(alarm);
    if (wait > 0) await delay(wait);
    if (alarm.kind === 'leases') {
      const missed = services.clock.now() - alarm.dueAt > lateAfterMs;
      return checkLeases(services, invocation.log, { missed });
    }
    // Only the handler that moved a schedule on arms the next alarm: a duplicate found nothing due and ends here.
    if ((await fireSchedules(services, invocation.log)) > 0) await armNextSchedule(services);
  },
};
