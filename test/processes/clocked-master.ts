import { ManualClock } from '../../functions/clock.js';
import type { Logger } from '../../functions/http/api-request.js';
import { startLocalHost } from '../../functions/local-host/local-host.js';
import { masterTimers } from '../../functions/timers/master-timers.js';

/**
 * A local host whose clock a test moves, run as a child process so that two of them really share one catalog
 * file. The test talks to it over IPC: set the time, run a timer now (the very function the timer runs), stop.
 * Settings come from the environment, as for the real local host; its timers do not fire by themselves.
 */
type Message = { op: 'set-time'; time: number } | { op: 'run-timer'; name: string } | { op: 'stop' };

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: (message) => console.error(message) };
const clock = new ManualClock(Number(process.env['TEST_CLOCK_START'] ?? Date.now()));
const host = await startLocalHost({ clock, timers: false, log: quiet });
const send = (message: unknown): void => {
  process.send?.(message);
};
send({ op: 'ready', url: host.url, thumbprint: host.certificateThumbprint });

process.on('message', (message: Message) => {
  void (async () => {
    switch (message.op) {
      case 'set-time':
        clock.set(message.time);
        send({ op: 'done' });
        return;
      case 'run-timer': {
        const timer = masterTimers.find((t) => t.name === message.name);
        if (!timer) throw new Error(`no timer ${message.name}`);
        await timer.run(host.services, { invocationId: `test-${Date.now()}`, functionName: timer.name, log: quiet });
        send({ op: 'done' });
        return;
      }
      case 'stop':
        await host.stop();
        process.exit(0);
    }
  })().catch((error: unknown) => {
    send({ op: 'error', message: error instanceof Error ? error.message : String(error) });
  });
});
process.on('disconnect', () => {
  void host.stop().then(() => process.exit(0));
});
