import type { Invocation } from '../http/api-request.js';
import type { MasterConfig } from '../config/master-config.js';
import type { MasterServices } from '../master-services.js';

/** One timer-triggered function of the master, as the function table lists it. */
export interface TimerFunction {
  kind: 'timer';
  name: string;
  /** The app setting holding its NCRONTAB schedule (Azure resolves `%SETTING%` itself). */
  scheduleSetting: string;
  schedule(config: MasterConfig): string;
  run(services: MasterServices, invocation: Invocation): Promise<void>;
}
