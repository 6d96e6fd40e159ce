import type { Invocation } from '../http/api-request.js';
import type { MasterConfig } from '../config/master-config.js';
import type { MasterServices } from '../master-services.js';
import type { StorageQueue } from './storage-queue.js';

/** A message as a queue trigger hands it over: Azure's trigger and the local host's queue runner alike. */
export interface TriggerMessage {
  messageId: string;
  /** 1 on the first delivery; the message moves to the poison queue after host.json `maxDequeueCount`. */
  dequeueCount: number;
  text: string;
}

/**
 * One queue-triggered function of the master, as the function table lists it: Azure runs it through
 * `app.storageQueue`, the local host through its queue runner, both with host.json's queue settings. It handles
 * one message; throwing means "not handled": the message shows again and, after too many tries, is moved aside.
 */
export interface QueueFunction {
  kind: 'queue';
  name: string;
  /** The app setting holding the queue's name (Azure resolves `%SETTING%` itself). */
  queueSetting: string;
  queueName(config: MasterConfig): string;
  /** The queue itself, for the local host to read and for the poison-message commands. */
  queue(services: MasterServices): StorageQueue;
  run(message: TriggerMessage, services: MasterServices, invocation: Invocation): Promise<void>;
}
