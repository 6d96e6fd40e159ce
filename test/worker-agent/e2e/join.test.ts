import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnrollmentToken } from '../../../contracts/enrollment.js';
import { enableScaleOut, getWorker, listEnrollmentTokens } from '../../../contracts/management/endpoints.js';
import { lines, masterEnv, runInProcess } from '../../manager/cli/harness.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { runCli } from '../support/cli.js';
import { AgentProcess } from './support/agents.js';
import { deployE2eProject, startExecution, waitForEnd } from './support/executions.js';
import { outputFolder, ProcessMarker, tearDownAndCheck, watchWarnings } from './support/processes.js';
import { e2eTestTimeoutMs } from './support/wait.js';

/**
 * The one-command path: an administrator's `scaleout worker token create` prints a `scaleout-worker join` command;
 * run as a real process on the "worker machine" (a folder of its own), it creates the certificate, pins the master
 * by the SHA-256 in the token, registers the worker and writes its settings; the agent then runs a package.
 */

let root: string;
let master: TestMaster;
const agents: AgentProcess[] = [];
const marker = new ProcessMarker();
const masterWarnings = watchWarnings();

/** `scaleout worker token create …`, as the administrator runs it: the join command is its whole stdout. */
async function createJoinCommand(args: string[] = []): Promise<string> {
  const created = await runInProcess(['worker', 'token', 'create', ...args], { env: masterEnv(master) });
  expect(created.code, created.stderr).toBe(0);
  const [command] = lines(created.stdout);
  return command!;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'scaleout-worker-e2e-join-'));
  master = await startTestMaster();
  await master.admin(enableScaleOut, {});
  await deployE2eProject(master.admin);
});

afterAll(async () => {
  await tearDownAndCheck({ agents, services: [master], marker, root, inProcess: masterWarnings });
}, 180_000);

describe('scaleout-worker join', { timeout: e2eTestTimeoutMs }, () => {
  it('joins with the printed command, gets the token\'s tags, MaxTaskCount and enabled flag, and runs a package to success', async () => {
    const command = await createJoinCommand(['--tags', 'joined,linux', '--max-task-count', '2', '--enable']);
    const { agent, result } = await AgentProcess.join(root, 'joined-1', command, marker);
    agents.push(agent);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain(`Joined ${master.url} as worker`);
    expect(result.stdout).toContain(`Master pinned by SHA-256 ${master.host.services.tlsCertificate!.thumbprintSha256}`);
    const settings = JSON.parse(readFileSync(agent.configPath, 'utf8')) as Record<string, unknown>;
    expect(settings).toMatchObject({
      MasterEndpoint: master.url,
      MasterHttpsCertThumbprint: master.host.services.tlsCertificate!.thumbprintSha256.toUpperCase(),
      DisplayName: 'joined-1',
      MaxTaskCount: 2,
    });
    const registered = await master.admin(getWorker, { params: { workerAgentId: agent.workerAgentId } });
    expect(registered).toMatchObject({ displayName: 'joined-1', tags: ['joined', 'linux'], maxTaskCount: 2, isEnabled: true });

    agent.start();
    const out = outputFolder(root, 'joined');
    const created = await startExecution(master.admin, 'succeed', { OutDir: out });
    const ended = await waitForEnd(master.admin, created.executionId);
    expect(ended).toMatchObject({ status: 7, statusName: 'succeeded', workerAgentId: agent.workerAgentId });
    expect(readFileSync(join(out, `succeed-${created.executionId}.txt`), 'utf8')).toBe('attempt 1\n');
  });

  it('with --service installs the unit, then enables and starts it through systemctl', async () => {
    const command = await createJoinCommand();
    // A systemctl that records what it is asked: this machine runs no systemd.
    const bin = join(root, 'systemctl-bin');
    mkdirSync(bin, { recursive: true });
    const calls = join(bin, 'calls');
    writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "$@" >> '${calls}'\n`, { mode: 0o755 });
    const unitPath = join(root, 'service-joined', 'scaleout-worker.service');
    const { agent, result } = await AgentProcess.join(root, 'service-joined', `${command} --service --unit-path ${unitPath}`, marker, {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(readFileSync(unitPath, 'utf8')).toContain(` start --config ${agent.configPath}\n`);
    expect(result.stdout).toContain('Enabling and starting it now:');
    expect(readFileSync(calls, 'utf8')).toBe(`daemon-reload\nenable --now ${unitPath}\n`);
  });

  it('refuses a master whose certificate is not the one the token pins, sending it nothing and creating nothing', async () => {
    const command = await createJoinCommand();
    const token = parseEnrollmentToken(command.split(' --token ')[1]!)!;
    const otherPin = 'ab'.repeat(32);
    const { agent, result } = await AgentProcess.join(root, 'pin-mismatch', command.replace(token.masterCertificateSha256!, otherPin), marker);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`presented a certificate with SHA-256 ${master.host.services.tlsCertificate!.thumbprintSha256}, but the token pins ${otherPin}`);
    expect(result.stderr).toContain('The token was not sent.');
    expect(readdirSync(agent.folder)).toEqual(['home']);
    expect((await master.admin(listEnrollmentTokens, {})).tokens.find((t) => t.tokenId === token.tokenId)).toMatchObject({ useCount: 0 });
  });

  it('says why the master refused a used-up token, and creates nothing', async () => {
    const command = await createJoinCommand();
    const first = await AgentProcess.join(root, 'first-use', command, marker);
    expect(first.result.code, first.result.stderr).toBe(0);
    const { agent, result } = await AgentProcess.join(root, 'second-use', command, marker);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Not joined: the master refused the token \(HTTP 401\): the enrollment token has been used as many times as it allows/);
    expect(existsSync(agent.configPath)).toBe(false);
    expect(readdirSync(agent.folder)).toEqual(['home']);
  });

  it('explains a token that is not one, and teaches in --help', async () => {
    const { result } = await AgentProcess.join(root, 'typo', `scaleout-worker join ${master.url} --token so_not_a_join_token`, marker);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--token: not an enrollment token');
    const help = await runCli(['join', '--help']);
    expect(help.stdout).toContain('scaleout worker token create');
    expect(help.stdout).toContain('refuses one whose certificate is not the one the token names');
  });
});
