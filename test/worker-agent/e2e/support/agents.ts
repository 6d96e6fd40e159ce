import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addWorker, enableWorker } from '../../../../contracts/management/endpoints.js';
import type { ManagementCaller } from '../../../support/test-master.js';
import { cliCommand, runCli, spawnCli, type CliResult } from '../../support/cli.js';
import type { ProcessMarker } from './processes.js';
import { waitFor } from './wait.js';

/** Where a worker finds the master: its address and the thumbprint of its self-signed certificate (pinned). */
export interface MasterEndpoint {
  url: string;
  thumbprint: string;
}

/**
 * Settings that make the agents quick to react on a test machine: leases renewed every second, a short grace
 * before SIGKILL, and no holding back on CPU or memory (the shared test machines are often fully busy, and an
 * agent waiting for the CPU to calm down would wait for the whole run).
 */
export const quickSettings: Record<string, unknown> = {
  TaskHeartbeatInterval: '00:00:01',
  AgentHeartbeatInterval: '00:00:02',
  TaskCancelGracePeriod: '00:00:02',
  DrainTimeout: '00:00:05',
  TaskRequestMaxCPU: 100,
  TaskRequestMinMemory: 0,
};

/**
 * A real worker agent: `scaleout-worker init` made its certificate and settings, and `scaleout-worker start`
 * runs it as a process of its own, exactly as on a customer's machine.
 */
export class AgentProcess {
  workerAgentId = '';
  #child: ChildProcess | undefined;
  #exited: Promise<number | null> = Promise.resolve(null);
  #output: () => string = () => '';
  #earlierOutput = '';

  private constructor(
    readonly name: string,
    readonly configPath: string,
    readonly folder: string,
    private readonly env: Record<string, string>,
    private readonly command: readonly string[],
  ) {}

  /**
   * Runs `scaleout-worker init` in `<root>/<name>` and adjusts the settings file it wrote. The agent (and so its
   * packages) gets a HOME of its own under that folder: should a parameter value such as `$(rm -rf ~)` ever reach
   * a shell, it would hit that folder, not the home of whoever runs the tests. `command` starts the agent (default
   * node with bin/scaleout-worker.js); `env` is added to its environment.
   */
  static async init(
    root: string,
    name: string,
    master: MasterEndpoint,
    marker: Pick<ProcessMarker, 'env'>,
    options: { maxTaskCount?: number; settings?: Record<string, unknown>; command?: readonly string[]; env?: Record<string, string> } = {},
  ): Promise<AgentProcess> {
    const folder = join(root, name);
    const configPath = join(folder, 'WorkerSettings.json');
    const home = join(folder, 'home');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'canary'), 'still here\n');
    const env = { ...marker.env, ...options.env, HOME: home };
    const command = options.command ?? cliCommand;
    const args = ['--config', configPath, 'init', '--master', master.url, '--master-thumbprint', master.thumbprint, '--name', name];
    if (options.maxTaskCount !== undefined) args.push('--max-tasks', String(options.maxTaskCount));
    const result = await runCli(args, env, command);
    if (result.code !== 0) throw new Error(`scaleout-worker init failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
    const settings = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(configPath, JSON.stringify({ ...settings, ...quickSettings, ...options.settings }, null, 2));
    return new AgentProcess(name, configPath, folder, env, command);
  }

  /**
   * Runs the `scaleout-worker join` command `scaleout worker token create` printed, in `<root>/<name>` with a HOME
   * of its own (see `init`), then adjusts the settings file it wrote. The worker is registered by then.
   */
  static async join(
    root: string,
    name: string,
    joinCommand: string,
    marker: Pick<ProcessMarker, 'env'>,
    extraEnv: NodeJS.ProcessEnv = {},
  ): Promise<{ agent: AgentProcess; result: CliResult }> {
    const [program, ...args] = joinCommand.split(' ');
    if (program !== 'scaleout-worker') throw new Error(`not a scaleout-worker command: ${joinCommand}`);
    const folder = join(root, name);
    const configPath = join(folder, 'WorkerSettings.json');
    const home = join(folder, 'home');
    mkdirSync(home, { recursive: true });
    const env = { ...marker.env, HOME: home };
    const result = await runCli(['--config', configPath, ...args, '--name', name], { ...env, ...extraEnv }, cliCommand);
    const agent = new AgentProcess(name, configPath, folder, env, cliCommand);
    if (result.code === 0) {
      agent.workerAgentId = /as worker (\S+) /.exec(result.stdout)?.[1] ?? '';
      const settings = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
      writeFileSync(configPath, JSON.stringify({ ...settings, ...quickSettings }, null, 2));
    }
    return { agent, result };
  }

  /** The agent's own HOME (see `init`). */
  get home(): string {
    return this.env.HOME!;
  }

  get certificatePem(): string {
    return readFileSync(join(this.folder, 'worker-certificate.pem'), 'utf8');
  }

  /** Adds the worker with its certificate, as `scaleout worker add --cert` does, and enables it. */
  async register(admin: ManagementCaller, options: { enable?: boolean } = {}): Promise<string> {
    const added = await admin(addWorker, { body: { certificate: this.certificatePem, displayName: this.name } });
    this.workerAgentId = added.worker!.workerAgentId;
    if (options.enable !== false) await admin(enableWorker, { params: { workerAgentId: this.workerAgentId } });
    return this.workerAgentId;
  }

  status(): Promise<CliResult> {
    return runCli(['--config', this.configPath, 'status'], this.env, this.command);
  }

  /** `scaleout-worker start`, in the background. */
  start(): void {
    if (this.running) throw new Error(`agent ${this.name} runs already`);
    this.#earlierOutput = this.output();
    const started = spawnCli(['--config', this.configPath, 'start'], this.env, this.command);
    this.#child = started.child;
    this.#output = started.output;
    this.#exited = started.exited;
  }

  get pid(): number {
    const pid = this.#child?.pid;
    if (pid === undefined) throw new Error(`agent ${this.name} is not started`);
    return pid;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Everything the agent printed, over all its runs. */
  output(): string {
    return this.#earlierOutput + this.#output();
  }

  /** Waits until the agent's output (this run's and earlier) matches. */
  waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<true> {
    return waitFor(`agent ${this.name} to print ${pattern}`, () => pattern.test(this.output()), {
      timeoutMs,
      detail: () => `agent ${this.name} output:\n${this.output()}`,
    });
  }

  /** Stops the agent as a service manager would: SIGTERM (drain), a second SIGTERM, then SIGKILL. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = this.#exited;
    const within = (ms: number): Promise<boolean> =>
      Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);
    if (child.signalCode === null) child.kill('SIGCONT');
    child.kill('SIGTERM');
    if (await within(20_000)) return;
    child.kill('SIGTERM');
    if (await within(10_000)) return;
    child.kill('SIGKILL');
    await exited;
  }

  /** One SIGTERM, as `systemctl stop` sends it: the agent drains and exits by itself; resolves with its exit code. */
  async terminate(): Promise<number | null> {
    this.#child?.kill('SIGTERM');
    return this.#exited;
  }

  /** `kill -9`: the agent dies at once, leaving its packages running and nothing reported. */
  async kill9(): Promise<void> {
    this.#child?.kill('SIGKILL');
    await this.#exited;
  }

  /** SIGSTOP: the agent freezes (its packages do not); SIGCONT lets it go on. */
  freeze(): void {
    this.#child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.#child?.kill('SIGCONT');
  }
}
