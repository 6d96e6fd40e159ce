import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiKey } from '../functions/auth/api-keys.js';
import type { Logger } from '../functions/http/api-request.js';
import { startLocalHost } from '../functions/local-host/local-host.js';

/**
 * The master for `bench:dispatch` and `bench:archives`, in a process of its own as in production (its workers are
 * other machines): a local host on a fresh SQLite catalog (synchronous=FULL, the default), timers off, an admin
 * key. It tells the benchmark over IPC where it listens, and answers questions about its state: how many catalog
 * queries it has run, how many claims wait, how much CPU it has used, and its resident set (its own: Azurite, the
 * stand-in for Blob Storage, runs in processes of its own).
 */
type Question = { op: 'stats' } | { op: 'memory' } | { op: 'stop' };

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: (message, details) => console.error(message, details ?? '') };
const folder = mkdtempSync(join(tmpdir(), 'scaleout-bench-'));
// The benchmark may end without asking (it failed, or was killed), even while this master starts: it cleans up
// all the same, once it has started.
let benchmarkGone = false;
process.on('disconnect', () => {
  benchmarkGone = true;
});
const host = await startLocalHost({
  env: { SCALEOUT_CATALOG_SQLITE_PATH: join(folder, 'catalog.sqlite'), SCALEOUT_KEY_FOLDER: join(folder, 'keys'), SCALEOUT_PORT: '0' },
  timers: false,
  log: quiet,
});
const key = generateApiKey();
await host.services.catalog.insertApiKey({ apiKeyId: key.apiKeyId, name: 'bench', role: 'admin', keyHash: key.keyHash }, 'bench');
const synchronous = host.services.config.catalog.engine === 'sqlite' ? host.services.config.catalog.synchronous : '-';

/** The highest resident set seen since the last 'memory' question, sampled every 10 ms from the first one on. */
let peakRssBytes = 0;
let rssSampler: NodeJS.Timeout | undefined;
function sampleRss(): number {
  const rss = process.memoryUsage.rss();
  peakRssBytes = Math.max(peakRssBytes, rss);
  return rss;
}

process.on('message', (question: Question) => {
  if (question.op === 'memory') {
    const rssBytes = sampleRss();
    answer({ rssBytes, peakRssBytes });
    peakRssBytes = rssBytes;
    rssSampler ??= setInterval(sampleRss, 10);
    return;
  }
  if (question.op === 'stats') {
    const cpu = process.cpuUsage();
    answer({
      catalogQueries: host.services.catalogQueryCount,
      waitingClaims: host.services.workSignal.waiting,
      cpuMicros: cpu.user + cpu.system,
    });
    return;
  }
  stop();
});
let stopping = false;
answer({ url: host.url, thumbprint: host.certificateThumbprint, adminKey: key.secret, synchronous });
if (benchmarkGone) stop();
process.on('disconnect', stop);

/** Answers the benchmark, unless it is gone. */
function answer(message: object): void {
  if (process.connected) process.send?.(message);
}

function stop(): void {
  if (stopping) return;
  stopping = true;
  clearInterval(rssSampler);
  void host.stop().finally(() => {
    rmSync(folder, { recursive: true, force: true });
    process.exit(0);
  });
}
