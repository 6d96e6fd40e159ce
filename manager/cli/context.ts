import { createMasterApi, type MasterApi } from './client.js';
import { resolveConnection } from './config-file.js';
import type { CliIO } from './io.js';
import { Output } from './output/output.js';

export interface Timing {
  /** How often `--wait` and `logs --follow` ask the master. @default 1000 */
  pollIntervalMs: number;
  /** After an execution ends, how long no new log line must arrive before following stops. @default 2000 */
  quietMs: number;
}

export const defaultTiming: Timing = { pollIntervalMs: 1000, quietMs: 2000 };

/** What every command gets: its I/O, the master (connected on first use) and an output for its mode. */
export class CommandContext {
  #api: MasterApi | undefined;

  constructor(
    readonly io: CliIO,
    readonly timing: Timing,
  ) {}

  api(): MasterApi {
    this.#api ??= createMasterApi(resolveConnection(this.io), this.io.signal ? { signal: this.io.signal } : {});
    return this.#api;
  }

  output(options: { json?: boolean | undefined } = {}): Output {
    return new Output(this.io, { json: options.json === true });
  }

  close(): void {
    this.#api?.close();
    this.#api = undefined;
  }
}
