import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { callEndpoint } from '../../../../contracts/client.js';
import { NodeHttpsTransport } from '../../../../contracts/node-https-transport.js';
import { generateApiKey } from '../../../../functions/auth/api-keys.js';
import { createCatalog } from '../../../../functions/catalog/create-catalog.js';
import { SqliteEngine } from '../../../../functions/catalog/sqlite/engine.js';
import { AesGcmValueCipher } from '../../../../functions/catalog/value-cipher.js';
import type { ManagementCaller } from '../../../support/test-master.js';
import type { ProcessMarker } from './processes.js';
import { waitFor } from './wait.js';

/** The master's local host as it ships: `node dist/functions/local-host/main.js` (compiled by global setup). */
export const localHostScript = fileURLToPath(new URL('../../../../dist/functions/local-host/main.js', import.meta.url));

/** Creates the catalog and an admin API key in it, as the one-box does on first start; returns the key. */
export async function createAdminKey(catalogPath: string): Promise<string> {
  const engine = new SqliteEngine({ filename: catalogPath });
  await engine.migrate();
  const catalog = createCatalog({ engine, cipher: new AesGcmValueCipher(randomBytes(32)) });
  try {
    const key = generateApiKey();
    await catalog.insertApiKey({ apiKeyId: key.apiKeyId, name: 'e2e admin', role: 'admin', keyHash: key.keyHash }, 'test');
    return key.secret;
  } finally {
    await catalog.close();
  }
}

/** Calls the management API with an API key over a pinned connection of its own. */
export function managementCaller(url: string, thumbprint: string, apiKey: string): ManagementCaller & { close(): void } {
  const transport = new NodeHttpsTransport({ baseUrl: url, pinnedThumbprint: thumbprint });
  const call: ManagementCaller = (endpoint, input) => callEndpoint(transport, endpoint, input, { headers: { authorization: `Bearer ${apiKey}` } });
  return Object.assign(call, { close: () => transport.close() });
}

/**
 * The master as a process of its own, so a test can stop it (as a crash would) and start it again on the same
 * port, catalog, keys and queue.
 */
export class MasterProcess {
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #output = '';
  thumbprint = '';

  constructor(
    private readonly env: Record<string, string>,
    private readonly marker: ProcessMarker,
  ) {}

  get url(): string {
    return `https://localhost:${this.env.SCALEOUT_PORT}`;
  }

  output(): string {
    return this.#output;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [localHostScript], {
      env: { ...process.env, ...this.marker.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stdout?.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    const from = this.#output.length;
    const thumbprint = await waitFor(
      'the master to listen',
      () => {
        if (child.exitCode !== null) throw new Error(`the master exited with code ${child.exitCode}`);
        return /MasterHttpsCertThumbprint\): ([0-9A-Fa-f]{40})/.exec(this.#output.slice(from))?.[1];
      },
      { timeoutMs: 60_000, detail: () => this.#output },
    );
    if (this.thumbprint && this.thumbprint !== thumbprint) throw new Error('the master came back with another certificate');
    this.thumbprint = thumbprint;
  }

  /** SIGKILL: the master is gone at once, requests in flight included, as in a crash. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.#child?.kill('SIGKILL');
    await this.#exited;
  }

  /** SIGTERM, as `Ctrl+C`; SIGKILL if it does not end within 20 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.#child?.kill('SIGTERM');
    const ended = await Promise.race([this.#exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 20_000))]);
    if (!ended) await this.kill();
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }
}
