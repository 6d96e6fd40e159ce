import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getExecution, listAuditTrail, listExecutionEvents } from '../../../contracts/management/endpoints.js';
import { getEnvironment, listEnvironments, listObjectParameters } from '../../../contracts/management/environment-endpoints.js';
import { masterEnv, runInProcess, type CliResult } from '../../manager/cli/harness.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { AgentProcess } from './support/agents.js';
import { ProcessMarker, tearDownAndCheck, watchWarnings, outputFolder } from './support/processes.js';
import { e2eTestTimeoutMs } from './support/wait.js';

/**
 * Issue 16's environments end to end: a project deployed to folder Finance with its parameters set from
 * environment Prod (one variable sensitive), configured and run through the CLI, on a real agent process. The
 * package gets the environment's values; the sensitive one shows in no API answer, log line or CLI output.
 */

const secret = 'Pr0d-t0ken-4f1c9e';

/** A real node package that writes down what it received, and logs only what is not sensitive. */
const projectFiles = {
  'scaleout.json': JSON.stringify({
    name: 'ETL',
    packages: [
      {
        name: 'extract',
        runner: 'node',
        entry: 'extract.mjs',
        parameters: [
          { name: 'OutDir', dataType: 'String', required: true },
          { name: 'SourcePath', dataType: 'String', required: true },
          { name: 'BatchSize', dataType: 'Int32', defaultValue: 100 },
          { name: 'ApiToken', dataType: 'String', required: true, sensitive: true },
        ],
      },
    ],
  }),
  'extract.mjs': `import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
export default async function extract(parameters, context) {
  context.log(\`extracting \${parameters.SourcePath} in batches of \${parameters.BatchSize}\`);
  const { OutDir, ...received } = parameters;
  await writeFile(join(OutDir, 'received.json'), JSON.stringify(received));
}
`,
};

let root: string;
let master: TestMaster;
let agent: AgentProcess;
const marker = new ProcessMarker();
const masterWarnings = watchWarnings();
const cliResults: CliResult[] = [];

async function cli(args: string[], options: { stdin?: string } = {}): Promise<CliResult> {
  const result = await runInProcess(args, { env: masterEnv(master), ...options });
  cliResults.push(result);
  return result;
}

async function ok(args: string[], options: { stdin?: string } = {}): Promise<string> {
  const result = await cli(args, options);
  expect(result.code, `scaleout ${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'scaleout-worker-e2e-environments-'));
  master = await startTestMaster();
  agent = await AgentProcess.init(root, 'envs-1', { url: master.url, thumbprint: master.host.certificateThumbprint }, marker);
  await agent.register(master.admin);
  agent.start();
  const project = join(root, 'etl');
  mkdirSync(project);
  for (const [path, content] of Object.entries(projectFiles)) writeFileSync(join(project, path), content);
  await ok(['master', 'enable']);
  await ok(['project', 'deploy', project, '--folder', 'Finance']);
});

afterAll(async () => {
  await tearDownAndCheck({ agents: agent ? [agent] : [], services: [master], marker, root, inProcess: masterWarnings });
}, 180_000);

describe('a project run with its parameters from environment Prod, on a real agent', { timeout: e2eTestTimeoutMs }, () => {
  it('gives the package the environment values, the sensitive one in no answer, log or output', async () => {
    await ok(['environment', 'create', 'Finance/Prod', '--description', 'production']);
    await ok(['environment', 'variable', 'set', 'Finance/Prod', 'InPath', '--type', 'String', '--value', '/prod/in.csv']);
    await ok(['environment', 'variable', 'set', 'Finance/Prod', 'Batch', '--type', 'Int32', '--value', '500']);
    // On the command line a sensitive value is refused (shell history, process list): stdin only.
    const refused = await cli(['environment', 'variable', 'set', 'Finance/Prod', 'Token', '--type', 'String', '--sensitive', '--value', 'x']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--value-stdin');
    expect(await ok(['environment', 'variable', 'set', 'Finance/Prod', 'Token', '--type', 'String', '--sensitive', '--value-stdin'], { stdin: `${secret}\n` })).toContain(
      'Created Finance/Prod/Token (String, sensitive) = ********.',
    );
    const shown = await ok(['environment', 'show', 'Finance/Prod']);
    expect(shown).toMatch(/Token\s+String\s+yes\s+\*{8}/);
    expect(shown).toMatch(/Batch\s+Int32\s+no\s+500/);

    expect(await ok(['project', 'reference', 'add', 'Finance/ETL', 'Prod'])).toContain('Finance/ETL references Finance/Prod (relative');
    await ok(['project', 'configure', 'Finance/ETL/extract', 'SourcePath', '--variable', 'InPath']);
    await ok(['project', 'configure', 'Finance/ETL/extract', 'BatchSize', '--variable', 'Batch']);
    await ok(['project', 'configure', 'Finance/ETL/extract', 'ApiToken', '--variable', 'Token']);
    expect(await ok(['project', 'configuration', 'Finance/ETL'])).toMatch(/ApiToken\s+String\s+yes\s+yes\s+variable Token/);

    const out = outputFolder(root, 'prod');
    const run = await ok(['execution', 'run', 'Finance/ETL/extract', '--environment', 'Finance/Prod', '--param', `OutDir=${out}`, '--wait', '--json']);
    const ended = JSON.parse(run) as { executionId: number; status: number; workerAgentId: string };
    expect(ended).toMatchObject({ status: 7, workerAgentId: agent.workerAgentId });
    const received = JSON.parse(readFileSync(join(out, 'received.json'), 'utf8')) as Record<string, unknown>;
    expect({ ...received, BatchSize: String(received['BatchSize']) }).toEqual({ SourcePath: '/prod/in.csv', BatchSize: '500', ApiToken: secret });

    // A variable whose type does not fit is refused, naming both, and nothing runs.
    await ok(['environment', 'variable', 'set', 'Finance/Prod', 'Label', '--type', 'String', '--value', 'many']);
    await ok(['project', 'configure', 'Finance/ETL/extract', 'BatchSize', '--variable', 'Label']);
    const mismatch = await cli(['execution', 'run', 'Finance/ETL/extract', '--environment', 'Prod', '--param', `OutDir=${out}`]);
    expect(mismatch.code).not.toBe(0);
    expect(mismatch.stderr).toContain("parameter 'BatchSize' (Int32) cannot take environment variable 'Label' (String) of 'Finance/Prod'");

    const answers = [
      await master.admin(getExecution, { params: { executionId: ended.executionId } }),
      await master.admin(listExecutionEvents, { params: { executionId: ended.executionId }, query: {} }),
      await master.admin(getEnvironment, { params: { folderName: 'Finance', environmentName: 'Prod' } }),
      await master.admin(listEnvironments, { query: {} }),
      await master.admin(listObjectParameters, { params: { folderName: 'Finance', projectName: 'ETL' } }),
      await master.admin(listAuditTrail, { query: { limit: 500 } }),
    ];
    const events = answers[1] as { events: { message: string }[] };
    expect(events.events.map((e) => e.message)).toContain('extracting /prod/in.csv in batches of 500');
    expect((answers[0] as { parameters: unknown[] }).parameters).toContainEqual({ name: 'ApiToken', sensitive: true, value: null });
    expect(JSON.stringify(answers)).not.toContain(secret);
    expect(cliResults.map((r) => r.stdout + r.stderr).join('\n')).not.toContain(secret);
    expect(master.logs.join('\n')).not.toContain(secret);
    expect(agent.output()).not.toContain(secret);
  });
});
