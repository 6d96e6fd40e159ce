import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ManagementApi } from '../../scripts/onebox/management.js';
import { nextSteps } from '../../scripts/onebox/next-steps.js';

describe("npm start's next steps", () => {
  it('print each command the way the README writes it', () => {
    const printed = nextSteps(
      {
        url: 'https://localhost:8391',
        thumbprint: 'AB'.repeat(20),
        adminKey: { secret: 'so_k_s', apiKeyId: 'k', file: '/work/clone/.data/admin-api-key', created: false },
        workers: [],
        projects: [{ dir: 'examples/sales-etl', folderName: 'Examples', projectName: 'SalesEtl', versionNumber: 1, deployed: false }],
        api: {} as ManagementApi,
      },
      { cwd: '/work/clone', machineName: 'etl-01' },
    );
    const commands = printed.split('\n').map((line) => /^\s+(?:there:|here:)?\s*(scaleout(?:-worker)? \S+(?: \S+)?)/.exec(line)?.[1]).filter(Boolean);
    expect(commands).toEqual([
      'scaleout connect https://localhost:8391',
      'scaleout execution run',
      'scaleout execution list',
      'scaleout-worker init --master',
      'scaleout worker add',
      'scaleout worker enable',
      'scaleout-worker start',
    ]);
    const readme = readFileSync('README.md', 'utf8');
    for (const command of commands) expect(readme, command).toContain(command!.split(' ').slice(0, 2).join(' '));
    expect(printed).not.toContain('node bin/');
  });
});
