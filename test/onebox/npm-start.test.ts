import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { processesInGroup, processesMentioning, runNpm, scaleout, type NpmRun } from './npm-scripts.js';

/** The dashboard's page over HTTPS, and the SHA-1 thumbprint of the certificate that served it. */
function fetchDashboard(url: string): Promise<{ status: number; body: string; thumbprint: string }> {
  return new Promise((resolve, reject) => {
    // The one-box's certificate is self-signed: trust it by its thumbprint, as the CLI and the workers do.
    const request = get(url, { rejectUnauthorized: false }, (response) => {
      const thumbprint = (response.socket as TLSSocket).getPeerCertificate().fingerprint.replace(/:/g, '').toLowerCase();
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, thumbprint }));
    });
    request.on('error', reject);
  });
}

async function stopWithCtrlC(oneBox: NpmRun, dataFolder: string): Promise<void> {
  oneBox.pressCtrlC();
  expect(await oneBox.exited).toBe(0);
  expect(oneBox.output()).toContain('Scale Out stopped.');
  expect(processesInGroup(oneBox.child.pid!)).toEqual([]);
  // The workers and Azurite run in process groups of their own: they are gone too.
  expect(processesMentioning(dataFolder)).toEqual([]);
}

describe('npm start, as a new user runs it', () => {
  it('starts everything, prints the dashboard URL and next steps, runs an example with the CLI, stops on Ctrl-C, and keeps its state for the next start', { timeout: 420_000 }, async () => {
    const dataFolder = mkdtempSync(join(tmpdir(), 'scaleout-onebox-'));
    // A free port rather than 8391, which a user's own one-box may hold; the data folder is this test's own.
    const env = { SCALEOUT_DATA_FOLDER: dataFolder, SCALEOUT_PORT: '0' };

    const first = runNpm(['start'], env);
    try {
      const [, url] = await first.waitFor(/^Scale Out is ready: (https:\/\/localhost:\d+)\/$/m, 240_000);
      const output = first.output();
      expect(output).toContain(`Master listening on ${url}; catalog ${join(dataFolder, 'catalog.sqlite')}; event queue on Azurite.`);
      expect(output).toContain('Examples/SalesEtl version 1: deployed.');
      expect(output).toMatch(/Worker \S+-local: initialized \(scaleout-worker init\), added by certificate and enabled/);
      const thumbprint = /SHA-1 thumbprint is\s+([0-9a-f]{40})/.exec(output)![1]!;
      const shownKey = /Admin API key \(created now, shown this once; also in (\S+), readable by you only\):\s+(so_\S+)/.exec(output);
      expect(shownKey?.[1]).toBe(join(dataFolder, 'admin-api-key'));
      const keyFile = shownKey![1]!;
      expect(readFileSync(keyFile, 'utf8').trim()).toBe(shownKey![2]);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(existsSync(join(dataFolder, 'catalog.sqlite'))).toBe(true);

      const dashboard = await fetchDashboard(`${url}/`);
      expect(dashboard).toMatchObject({ status: 200, thumbprint });
      expect(dashboard.body).toContain('<title>');

      // The next steps, as printed: connect the CLI with the key file on stdin, then run the example and wait.
      const cliEnv = { SCALEOUT_CONFIG: join(dataFolder, 'cli-config.json') };
      const connectLine = /scaleout (connect \S+ --thumbprint \S+ --api-key-stdin) < (\S+)/.exec(output)!;
      const connected = await scaleout(connectLine[1]!.split(' '), cliEnv, readFileSync(connectLine[2]!, 'utf8'));
      expect(connected).toMatchObject({ code: 0 });
      const warehouse = join(dataFolder, 'warehouse');
      const execution = await scaleout(
        ['execution', 'run', 'Examples/SalesEtl/load-sales', '--param', `WarehouseFolder=${warehouse}`, '--wait', '--timeout', '2m'],
        cliEnv,
      );
      expect(execution.output).toMatch(/Execution \d+ succeeded in .*"orders":2376,"rejected":24,"dailyTotals":124/);
      expect(execution.code).toBe(0);
      const loaded = JSON.parse(readFileSync(join(warehouse, 'daily-sales.json'), 'utf8')) as { rows: unknown[] };
      expect(loaded.rows).toHaveLength(124);
    } finally {
      if (first.child.exitCode === null) await stopWithCtrlC(first, dataFolder);
    }
    // The master's log says what it did, in words, one line each.
    const masterLog = readFileSync(join(dataFolder, 'logs', 'master.log'), 'utf8');
    const said = masterLog.split('\n').map((line) => line.replace(/^\S+ /, ''));
    for (const line of [
      /^info master \S+ started on https:\/\/localhost:\d+ \{"catalog":"[^"]+catalog\.sqlite"/,
      /^info Scale Out enabled \{"by":"apikey:/,
      /^info project deployed: Examples\/SalesEtl version 1 /,
      /^info worker added: \S+-local \{/,
      /^info worker enabled: \S+-local \{/,
      /^info master stopped$/,
    ]) {
      expect(said.some((text) => line.test(text)), `${line} in\n${masterLog}`).toBe(true);
    }

    // The second start finds everything again: the same key (not shown), projects up to date, the worker known.
    const second = runNpm(['start'], env);
    try {
      await second.waitFor(/^Scale Out is ready: https:\/\/localhost:\d+\/$/m, 240_000);
      const output = second.output();
      expect(output).toContain(`Admin API key: in ${join(dataFolder, 'admin-api-key')} (readable by you only).`);
      expect(output).not.toMatch(/so_[a-z0-9]+_/);
      expect(output).toContain('Examples/SalesEtl version 1: up to date.');
      expect(output).toMatch(/Worker \S+-local: registered; settings /);
    } finally {
      if (second.child.exitCode === null) await stopWithCtrlC(second, dataFolder);
    }
    rmSync(dataFolder, { recursive: true, force: true });
  });
});
