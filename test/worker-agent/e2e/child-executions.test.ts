import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEndpoint } from '../../../contracts/client.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../../../contracts/endpoint.js';
import {
  createExecution,
  deployProject,
  enableScaleOut,
  getExecution,
  getMasterStatus,
  stopExecution,
} from '../../../contracts/management/endpoints.js';
import type { ExecutionView } from '../../../contracts/management/views.js';
import { NodeHttpsTransport } from '../../../contracts/node-https-transport.js';
import { getChildExecution, listChildExecutions, startChildExecution, stopChildExecution } from '../../../contracts/task-api.js';
import { packProject } from '../../../manager/cli/commands/pack-project.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { isRunning } from '../support/processes.js';
import { AgentProcess } from './support/agents.js';
import { deployE2eProject, e2eFolder, e2eProject, executionEvents, startExecution, waitForEnd } from './support/executions.js';
import { outputFolder, ProcessMarker, tearDownAndCheck, watchWarnings } from './support/processes.js';
import { waitFor } from './support/wait.js';

/**
 * Issue 8 with real agents: parent packages that start child executions through their task credential, on two
 * agent processes against the real master. The parent is examples/fan-out as it ships, deployed as `scaleout project
 * deploy examples/fan-out` packs it.
 */

const exampleFolder = fileURLToPath(new URL('../../../examples/fan-out/', import.meta.url));
/** The fan-out package starts its children as `Examples/FanOut/sum-partition`: it is deployed there. */
const exampleRef = { folderName: 'Examples', projectName: 'FanOut' };

/** What the parent must arrive at: examples/fan-out/data/orders.csv totalled here, in cents, by region. */
function expectedTotals(): { orders: number; totalCents: number; byRegionCents: Map<string, number> } {
  const lines = readFileSync(join(exampleFolder, 'data', 'orders.csv'), 'utf8').trim().split('\n').slice(1);
  const byRegionCents = new Map<string, number>();
  let totalCents = 0;
  for (const line of lines) {
    const [, region, amount] = line.split(',');
    const cents = Math.round(Number(amount) * 100);
    byRegionCents.set(region!, (byRegionCents.get(region!) ?? 0) + cents);
    totalCents += cents;
  }
  return { orders: lines.length, totalCents, byRegionCents };
}

const leaseMs = 4000;

let root: string;
let master: TestMaster;
let agents: AgentProcess[];
const marker = new ProcessMarker();
const masterWarnings = watchWarnings();
const transports: NodeHttpsTransport[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'scaleout-worker-e2e-children-'));
  // Short leases, swept every second: the lease of a killed agent's task ends within seconds.
  master = await startTestMaster({ env: { SCALEOUT_LEASE_MS: String(leaseMs) } });
  await master.admin(enableScaleOut, {});
  await deployE2eProject(master.admin);
  const { zip } = await packProject(exampleFolder);
  await master.admin(deployProject, { params: exampleRef, body: zip });
  const endpoint = { url: master.url, thumbprint: master.host.certificateThumbprint };
  // Four slots each: the parent holds one, so its 8 children cannot all run on the parent's agent at once.
  agents = [
    await AgentProcess.init(root, 'children-a', endpoint, marker, { maxTaskCount: 4 }),
    await AgentProcess.init(root, 'children-b', endpoint, marker, { maxTaskCount: 4 }),
  ];
  for (const agent of agents) {
    await agent.register(master.admin);
    agent.start();
  }
  for (const agent of agents) await agent.waitForOutput(/starting: master/);
});

afterAll(async () => {
  for (const transport of transports) transport.close();
  await tearDownAndCheck({ agents: agents ?? [], services: [master], marker, root, inProcess: masterWarnings });
}, 180_000);

function startFanOut(parameters: Record<string, number | boolean> = {}): Promise<ExecutionView> {
  return master.admin(createExecution, { body: { ...exampleRef, packageName: 'fan-out', parameters, start: true } });
}

/** Each child of a parent as the catalog holds it, with its parameters. */
async function childrenOf(parent: ExecutionView): Promise<ExecutionView[]> {
  return Promise.all(parent.children.map((child) => master.admin(getExecution, { params: { executionId: child.executionId } })));
}

function parameter(execution: ExecutionView, name: string): unknown {
  return execution.parameters.find((p) => p.name === name)?.value;
}

interface HandedCredential {
  credential: string | null;
  masterUrl: string | null;
  masterThumbprint: string | null;
  executionId: number;
  pid: number;
}

/** Starts the `task-credential` package and returns what it handed over, with a caller that uses it as it would. */
async function credentialOfRunningPackage(out: string): Promise<{
  created: ExecutionView;
  handed: HandedCredential;
  asPackage: <E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>) => Promise<EndpointOutput<E>>;
}> {
  const created = await startExecution(master.admin, 'task-credential', { OutDir: out });
  const file = join(out, 'credential.json');
  const handed = await waitFor('the package to hand over its credential', () =>
    existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as HandedCredential) : undefined,
  );
  const transport = new NodeHttpsTransport({ baseUrl: handed.masterUrl!, pinnedThumbprint: handed.masterThumbprint! });
  transports.push(transport);
  const asPackage = <E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>): Promise<EndpointOutput<E>> =>
    callEndpoint(transport, endpoint, input, { headers: { authorization: `Bearer ${handed.credential}` } });
  return { created, handed, asPackage };
}

/** A test's own budget: well under a minute on an idle machine; the margin is for a busy, shared one. */
const testTimeoutMs = 120_000;

describe('parent and child executions on real agents', { timeout: testTimeoutMs }, () => {
  it('examples/fan-out: 8 children across both agents, aggregated by the parent into the total of orders.csv', async () => {
    const began = Date.now();
    const created = await startFanOut();
    const parent = await waitForEnd(master.admin, created.executionId);
    console.log(`fan-out of 8 children ended in ${Date.now() - began} ms`);
    expect(parent).toMatchObject({ status: 7, statusName: 'succeeded' });

    const expected = expectedTotals();
    const reported = JSON.parse(parent.statusMessage ?? 'null') as { partitions: number; orders: number; total: number };
    expect(reported).toEqual({ partitions: 8, orders: expected.orders, total: expected.totalCents / 100 });

    const children = await childrenOf(parent);
    expect(children).toHaveLength(8);
    expect(children.map((c) => parameter(c, 'Partition')).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const child of children) {
      expect(child).toMatchObject({ packageName: 'sum-partition', parentExecutionId: parent.executionId, status: 7, createdBy: `execution:${parent.executionId}` });
    }
    // Placed by the master on whichever agent was free: both took some.
    const ranOn = new Set(children.map((c) => c.workerAgentId));
    expect(ranOn).toEqual(new Set(agents.map((a) => a.workerAgentId)));
    // What each child reported is its share: the shares add up to every order.
    const shares = children.map((c) => JSON.parse(c.statusMessage ?? 'null') as { partition: number; orders: number });
    expect(shares.reduce((sum, share) => sum + share.orders, 0)).toBe(expected.orders);

    // The parent's log and every child's, in one stream; the parent logged each region's total.
    const events = await executionEvents(master.admin, parent.executionId, { tree: true });
    const messages = events.map((e) => e.message);
    for (const [region, cents] of expected.byRegionCents) expect(messages).toContain(`${region}: ${(cents / 100).toFixed(2)}`);
    for (const child of children) {
      const partition = parameter(child, 'Partition') as number;
      const share = shares.find((s) => s.partition === partition)!;
      expect(events).toContainEqual(
        expect.objectContaining({ executionId: child.executionId, message: `partition ${partition}/8: ${share.orders} orders` }),
      );
    }
  });

  it('a failing child fails the parent with that child\'s message; its siblings still succeed', async () => {
    const created = await startFanOut({ FailPartition: 3 });
    const parent = await waitForEnd(master.admin, created.executionId);
    expect(parent).toMatchObject({ status: 4, statusName: 'failed' });

    const children = await childrenOf(parent);
    expect(children).toHaveLength(8);
    const failed = children.filter((c) => c.status !== 7);
    expect(failed).toHaveLength(1);
    const [child] = failed;
    expect(child).toMatchObject({ status: 4, statusName: 'failed' });
    expect(parameter(child!, 'Partition')).toBe(3);
    expect(child!.statusMessage).toMatch(/partition 3: the source rows are locked by another load/);
    // The parent's message names the child and carries its message, as the package's user reads it.
    expect(parent.statusMessage).toContain(`child execution ${child!.executionId} (Examples/FanOut/sum-partition) failed: ${child!.statusMessage}`);
  });

  it('stopping the parent stops every running child: all canceled, no package process left', async () => {
    const out = outputFolder(root, 'stop-parent');
    const created = await startExecution(master.admin, 'fan-out-until-stopped', { OutDir: out });
    // Each child records its pid once it runs.
    const pidFiles = await waitFor('4 children to run', () => {
      const files = readdirSync(out).filter((name) => /^hang-\d+\.pid$/.test(name));
      return files.length === 4 ? files : undefined;
    });
    const childPids = pidFiles.map((name) => Number(readFileSync(join(out, name), 'utf8')));
    const running = await master.admin(getExecution, { params: { executionId: created.executionId } });
    expect(running.children.map((c) => c.status)).toEqual([2, 2, 2, 2]);

    await master.admin(stopExecution, { params: { executionId: created.executionId } });
    const parent = await waitForEnd(master.admin, created.executionId);
    expect(parent).toMatchObject({ status: 3, statusName: 'canceled' });
    const children = await Promise.all(parent.children.map((c) => waitForEnd(master.admin, c.executionId)));
    expect(children.map((c) => [c.status, c.statusName])).toEqual(Array.from({ length: 4 }, () => [3, 'canceled']));
    expect(children.map((c) => c.attempts.map((a) => a.state))).toEqual(Array.from({ length: 4 }, () => ['canceled']));
    await waitFor('every child package to be gone', () => childPids.every((pid) => !isRunning(pid)));
  });

  it('the credential a real agent hands its package: its own children only, no management call, dead once the task ends', async () => {
    const out = outputFolder(root, 'credential');
    const { created, handed, asPackage } = await credentialOfRunningPackage(out);
    // The master as the agent reaches it, with the certificate the agent pins (its settings write it upper case).
    expect(handed).toMatchObject({ masterUrl: master.url, executionId: created.executionId, credential: expect.any(String) });
    expect(handed.masterThumbprint?.toLowerCase()).toBe(master.host.certificateThumbprint.toLowerCase());
    const stranger = await startExecution(master.admin, 'succeed', { OutDir: out });
    await expect(asPackage(getMasterStatus, {})).rejects.toMatchObject({ status: 403 });
    await expect(
      asPackage(createExecution, { body: { folderName: e2eFolder, projectName: e2eProject, packageName: 'succeed', parameters: { OutDir: out } } }),
    ).rejects.toMatchObject({ status: 403 });
    await expect(asPackage(getChildExecution, { params: { executionId: stranger.executionId } })).rejects.toMatchObject({ status: 403 });
    await expect(asPackage(stopChildExecution, { params: { executionId: stranger.executionId } })).rejects.toMatchObject({ status: 403 });
    expect((await waitForEnd(master.admin, stranger.executionId)).status).toBe(7);

    // What it may do: start a child of its own execution, which a real agent runs, and read it.
    const child = await asPackage(startChildExecution, {
      body: { folderName: e2eFolder, projectName: e2eProject, packageName: 'succeed', parameters: { OutDir: out }, key: 'only-child' },
    });
    expect(child.parentExecutionId).toBe(created.executionId);
    expect((await waitForEnd(master.admin, child.executionId)).status).toBe(7);
    expect(await asPackage(getChildExecution, { params: { executionId: child.executionId } })).toMatchObject({ status: 7 });
    expect((await asPackage(listChildExecutions, {})).executions.map((e) => e.executionId)).toEqual([child.executionId]);

    writeFileSync(join(out, 'go'), '');
    expect(await waitForEnd(master.admin, created.executionId)).toMatchObject({ status: 7 });
    await expect(asPackage(listChildExecutions, {})).rejects.toMatchObject({
      status: 401,
      problem: { detail: expect.stringMatching(/no longer holds its lease/) },
    });
    // The agent never ships it in a log line.
    const events = await executionEvents(master.admin, created.executionId, { tree: true });
    expect(events.some((e) => e.message.includes(handed.credential!))).toBe(false);
  });

  it('the credential dies with the lease: its agent killed (kill -9), refused once the lease expired, its package still running', async () => {
    const out = outputFolder(root, 'credential-kill-9');
    const { created, handed, asPackage } = await credentialOfRunningPackage(out);
    expect(await asPackage(listChildExecutions, {})).toEqual({ executions: [] });
    const running = await master.admin(getExecution, { params: { executionId: created.executionId } });
    const holder = agents.find((agent) => agent.workerAgentId === running.attempts[0]?.workerAgentId)!;

    await holder.kill9();
    // No retry left: the lease alarm ends the execution unexpectedly (6) once the lease has run out.
    const ended = await waitForEnd(master.admin, created.executionId, 60_000);
    expect(ended).toMatchObject({ status: 6, statusName: 'ended unexpectedly' });
    expect(ended.attempts).toMatchObject([{ state: 'lost', workerAgentId: holder.workerAgentId }]);
    // The orphaned package still holds the credential, and may no longer use it.
    expect(isRunning(handed.pid)).toBe(true);
    await expect(asPackage(listChildExecutions, {})).rejects.toMatchObject({
      status: 401,
      problem: { detail: expect.stringMatching(/no longer holds its lease/) },
    });
    await expect(
      asPackage(startChildExecution, { body: { folderName: e2eFolder, projectName: e2eProject, packageName: 'succeed', parameters: { OutDir: out } } }),
    ).rejects.toMatchObject({ status: 401 });

    // The agent back: it kills the orphan before anything else.
    holder.start();
    await waitFor('the orphaned package to be gone', () => !isRunning(handed.pid));
  });
});
