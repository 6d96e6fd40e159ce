import { cpus, freemem } from 'node:os';

export interface ResourceSample {
  /** Busy CPU time since the previous sample, as a percentage of all cores. */
  cpuPercent: number;
  freeMemoryMb: number;
}

/** Reads how busy the machine is (TaskRequestMaxCPU, TaskRequestMinMemory). Tests give fixed numbers. */
export interface ResourceProbe {
  sample(): ResourceSample;
}

interface CpuTimes {
  busy: number;
  total: number;
}

function cpuTimes(): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const { user, nice, sys, irq, idle } = cpu.times;
    busy += user + nice + sys + irq;
    total += user + nice + sys + irq + idle;
  }
  return { busy, total };
}

/** CPU time (all cores, ms) that must pass before a new CPU percentage is computed: about a second per core. */
const minimumWindowMs = 1000;

/**
 * The operating system's counters: CPU from the time spent busy over the last second or more (a shorter window
 * only measures the agent's own bursts), memory available now.
 */
export class OsResourceProbe implements ResourceProbe {
  #previous = cpuTimes();
  #lastPercent = 0;

  sample(): ResourceSample {
    const current = cpuTimes();
    const total = current.total - this.#previous.total;
    if (total >= minimumWindowMs * cpus().length) {
      this.#lastPercent = (100 * (current.busy - this.#previous.busy)) / total;
      this.#previous = current;
    }
    return { cpuPercent: this.#lastPercent, freeMemoryMb: freemem() / (1024 * 1024) };
  }
}
