import type { OneBox } from './onebox.js';

/**
 * A terminal's Ctrl-C reaches every process of the foreground group: under `npm start` both npm and the one-box
 * get it, and npm forwards its copy to the one-box, so one press arrives twice within milliseconds. Deliveries
 * this soon after the last one counted are that same press; a press made after the first was acknowledged counts.
 */
const samePressWithinMs = 500;

/**
 * Ctrl-C (SIGINT) or SIGTERM stops the one-box: workers drain (running packages may finish, or are given back to
 * the master), then the master and Azurite stop. A second press stops running packages at once; a third exits
 * without waiting (the workers and Azurite then stop by themselves when they see the one-box gone).
 * Resolves once everything stopped after the first signal.
 */
export function stopOnSignals(oneBox: OneBox, say: (line: string) => void): Promise<void> {
  let presses = 0;
  let lastCountedAt = -Infinity;
  return new Promise((resolve, reject) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (performance.now() - lastCountedAt < samePressWithinMs) return;
      lastCountedAt = performance.now();
      presses += 1;
      if (presses === 1) {
        say(`${signal}: stopping Scale Out (workers finish or give back their tasks; press Ctrl-C again to stop packages at once)…`);
        oneBox.stop().then(() => {
          say('Scale Out stopped.');
          resolve();
        }, reject);
      } else if (presses === 2) {
        say(`${signal} again: stopping running packages at once…`);
        oneBox.stop({ force: true }).catch(reject);
      } else {
        say(`${signal} a third time: exiting without waiting.`);
        process.exit(130);
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
