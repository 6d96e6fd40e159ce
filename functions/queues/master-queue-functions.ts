import { masterAlarmFunction } from '../alarms/alarm-function.js';
import { storeEventMessagesFunction } from '../events/store-event-messages.js';
import type { QueueFunction } from './queue-function.js';

/** The master's queue-triggered functions: the function table lists them, the poison-message commands read their queues. */
export const masterQueueFunctions: readonly QueueFunction[] = [storeEventMessagesFunction, masterAlarmFunction];
