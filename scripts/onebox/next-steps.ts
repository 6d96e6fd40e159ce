import { isAbsolute, relative } from 'node:path';
import type { ReadyOneBox } from './onebox.js';

/** A path as the user would type it from where they ran `npm start`. */
function shown(path: string, cwd: string): string {
  const inside = relative(cwd, path);
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
}

/**
 * What `npm start` prints once everything runs: where the dashboard is, where the admin key is (the key itself
 * only the time it is created), and the commands to try next. The line starting "Scale Out is ready:" is the
 * one scripts and tests wait for.
 */
export function nextSteps(ready: ReadyOneBox, where: { cwd: string; machineName: string }): string {
  const keyFile = shown(ready.adminKey.file, where.cwd);
  const port = new URL(ready.url).port;
  const remoteUrl = `https://${where.machineName}:${port}`;
  const example = ready.projects.find((project) => project.projectName === 'SalesEtl') ?? ready.projects[0];
  const runExample = example
    ? `scaleout execution run ${example.folderName}/${example.projectName}/${example.projectName === 'SalesEtl' ? 'load-sales' : 'fan-out'} --wait`
    : 'scaleout project deploy <folder> <project folder>';
  const key = ready.adminKey.created
    ? [`Admin API key (created now, shown this once; also in ${keyFile}, readable by you only):`, `  ${ready.adminKey.secret}`]
    : [`Admin API key: in ${keyFile} (readable by you only).`];
  return [
    '',
    `Scale Out is ready: ${ready.url}/`,
    '',
    `Dashboard: ${ready.url}/ (your browser warns about the self-signed certificate: its SHA-1 thumbprint is`,
    `  ${ready.thumbprint}; sign in with the admin API key)`,
    ...key,
    `Workers: ${ready.workers.map((worker) => worker.displayName).join(', ')}. Projects: ${ready.projects.map((p) => `${p.folderName}/${p.projectName}`).join(', ')}.`,
    '',
    'Next, in another terminal in this folder (`npm link` once puts scaleout and scaleout-worker on your PATH;',
    'or type npx scaleout … here):',
    '  # connect the CLI (stored in your configuration file, the master certificate pinned)',
    `  scaleout connect ${ready.url} --thumbprint ${ready.thumbprint} --api-key-stdin < ${keyFile}`,
    '  # run an example package and follow it',
    `  ${runExample}`,
    '  scaleout execution list',
    '',
    'Add a worker on another machine (a clone of this project there; start this one-box with SCALEOUT_HOST=0.0.0.0',
    'so that it listens beyond loopback):',
    `  there:  scaleout-worker init --master ${remoteUrl} --master-thumbprint ${ready.thumbprint} --name <name>`,
    '  here:   scaleout worker add --thumbprint <the thumbprint init printed> --name <name> --yes',
    '          scaleout worker enable <name>',
    '  there:  scaleout-worker start',
    '',
    'Press Ctrl-C to stop everything (the data stays in the data folder for the next npm start).',
  ].join('\n');
}
