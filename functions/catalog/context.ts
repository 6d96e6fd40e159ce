import type { Clock } from '../clock.js';
import type { CatalogEngine } from './engine.js';
import type { ValueCipher } from './value-cipher.js';

/** What every catalog operation works with. */
export interface CatalogContext {
  engine: CatalogEngine;
  clock: Clock;
  cipher: ValueCipher;
  /** How long a lease lasts without a heartbeat. */
  leaseMs: number;
  /** See CatalogOptions.taskQueued. */
  taskQueued?: (() => boolean) | undefined;
}
