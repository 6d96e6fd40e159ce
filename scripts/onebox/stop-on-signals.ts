import type { OneBox } from './onebox.js';

/**
 * Ctrl-C (SIGINT) or SIGTERM stops the one-box: workers drain (running packages may finish, or are given back to
 * the master), then the master and Azurite stop. A second signal stops running packages at once; a third exits
 * without waiting (the workers and Azurite then stop by themselves when they see the one-box gone).
 * Resolves once everything stopped after the first signal.
 */
export function stopOnSignals(oneBox: OneBox, say: (line: string) => void): Promise<void> {
  let signals = 0;
  return new Promise((resolve, reject) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      signals += 1;
      if (signals === 1) {
        say(`${signal}: stopping Scale Out (workers finish or give back their tasks; press Ctrl-C again to stop packages at once)…`);
        oneBox.stop().then(() => {
          say('Scale Out stopped.');
          resolve();
        }, reject);
      } else if (signals === 2) {
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
