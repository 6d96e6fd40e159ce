import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { readWorkerConfigFile } from '../../../manager/cli/commands/worker-sources.js';
import { configFilePath, normalizeMasterUrl, resolveConnection, writeConfigFile } from '../../../manager/cli/config-file.js';
import { CommandContext, defaultTiming } from '../../../manager/cli/context.js';
import { CliError } from '../../../manager/cli/errors.js';
import type { CliIO } from '../../../manager/cli/io.js';
import { buildProgram } from '../../../manager/cli/program.js';
import { formatDuration, parseDuration } from '../../../manager/cli/output/format.js';
import { formatTable } from '../../../manager/cli/output/table.js';
import { temporaryFolders } from '../../support/temporary-folders.js';

const folder = temporaryFolders('scaleout-cli-unit-');
const thrown = (fn: () => unknown): CliError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('expected a CliError');
};

describe('the connection file and environment', () => {
  it('lives under XDG_CONFIG_HOME, ~/.config, %APPDATA%, or SCALEOUT_CONFIG', () => {
    expect(configFilePath({ env: { XDG_CONFIG_HOME: '/xdg' }, platform: 'linux', homedir: '/home/ada' })).toBe('/xdg/scaleout/config.json');
    expect(configFilePath({ env: {}, platform: 'linux', homedir: '/home/ada' })).toBe('/home/ada/.config/scaleout/config.json');
    expect(configFilePath({ env: { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, platform: 'win32', homedir: 'C:\\Users\\ada' })).toBe(
      join('C:\\Users\\ada\\AppData\\Roaming', 'scaleout', 'config.json'),
    );
    expect(configFilePath({ env: { SCALEOUT_CONFIG: '/tmp/x.json', XDG_CONFIG_HOME: '/xdg' }, platform: 'linux', homedir: '/h' })).toBe('/tmp/x.json');
  });

  it('lets the environment override the file, and never sends the stored key to another master', () => {
    const path = join(folder(), 'config.json');
    writeConfigFile(path, { master: 'https://a.example:8391', apiKey: 'so_stored', masterThumbprint: 'aa'.repeat(20), savedTime: '2024-01-01T00:00:00Z' });
    const io = (env: Record<string, string>) => ({ env: { SCALEOUT_CONFIG: path, ...env }, platform: 'linux' as const, homedir: '/h' });

    expect(resolveConnection(io({}))).toMatchObject({ masterUrl: 'https://a.example:8391', apiKey: 'so_stored', thumbprint: 'aa'.repeat(20), source: path });
    expect(resolveConnection(io({ SCALEOUT_API_KEY: 'so_env' }))).toMatchObject({ apiKey: 'so_env' });
    expect(resolveConnection(io({ SCALEOUT_MASTER: 'https://A.example:8391/' }))).toMatchObject({ apiKey: 'so_stored', thumbprint: 'aa'.repeat(20) });

    const other = thrown(() => resolveConnection(io({ SCALEOUT_MASTER: 'https://b.example' })));
    expect(other.exitCode).toBe(3);
    expect(other.message).toBe('SCALEOUT_MASTER is set but there is no API key for https://b.example: set SCALEOUT_API_KEY');
    expect(resolveConnection(io({ SCALEOUT_MASTER: 'https://b.example', SCALEOUT_API_KEY: 'so_b' }))).toMatchObject({
      apiKey: 'so_b',
      thumbprint: undefined,
    });
  });

  it('says what is wrong with a damaged file', () => {
    const path = join(folder(), 'config.json');
    writeFileSync(path, '{ "master": 1');
    const error = thrown(() => resolveConnection({ env: { SCALEOUT_CONFIG: path }, platform: 'linux', homedir: '/h' }));
    expect(error.exitCode).toBe(3);
    expect(error.message).toMatch(new RegExp(`^${path} is not valid JSON .*; run scaleout connect again$`));
    const fromEnvironment = { SCALEOUT_CONFIG: path, SCALEOUT_MASTER: 'https://m.example', SCALEOUT_API_KEY: 'so_k' };
    expect(resolveConnection({ env: fromEnvironment, platform: 'linux', homedir: '/h' })).toMatchObject({ apiKey: 'so_k' });
  });

  it('takes a master address with or without https://, and refuses a path', () => {
    expect(normalizeMasterUrl('localhost:8391')).toBe('https://localhost:8391');
    expect(normalizeMasterUrl('https://Scaleout.Contoso.com/api/')).toBe('https://scaleout.contoso.com');
    expect(thrown(() => normalizeMasterUrl('https://contoso.com/scaleout')).message).toBe(
      "'https://contoso.com/scaleout': give the master's address without a path, e.g. https://contoso.com",
    );
    expect(thrown(() => normalizeMasterUrl('ftp://contoso.com')).exitCode).toBe(2);
  });
});

describe("reading a worker's config file", () => {
  it('reads the SSIS WorkerSettings names case-insensitively and converts MaxTaskCount and Tags', () => {
    const path = join(folder(), 'config.json');
    writeFileSync(path, JSON.stringify({ workerhttpscertthumbprint: 'AB:'.repeat(19) + 'AB', displayName: 'n1', MaxTaskCount: '7', Tags: 'a, b' }));
    expect(readWorkerConfigFile(path)).toMatchObject({ thumbprint: 'ab'.repeat(20), displayName: 'n1', maxTaskCount: 7, tags: ['a', 'b'], certificate: undefined });
  });

  it('names a bad value', () => {
    const path = join(folder(), 'config.json');
    writeFileSync(path, JSON.stringify({ WorkerHttpsCertThumbprint: 'xyz' }));
    expect(thrown(() => readWorkerConfigFile(path)).message).toBe(
      `--config ${path}: WorkerHttpsCertThumbprint: 'xyz' is not a SHA-1 or SHA-256 thumbprint`,
    );
    writeFileSync(path, JSON.stringify({ WorkerHttpsCertThumbprint: 'ab'.repeat(20), MaxTaskCount: 'ten' }));
    expect(thrown(() => readWorkerConfigFile(path)).message).toBe(`--config ${path}: MaxTaskCount: expected a whole number, got "ten"`);
  });
});

describe('formatting', () => {
  it('parses durations with units and refuses bare numbers', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('5')).toBeUndefined();
    expect(parseDuration('5 minutes')).toBeUndefined();
  });

  it('formats durations for people', () => {
    expect(formatDuration(450)).toBe('450 ms');
    expect(formatDuration(3200)).toBe('3.2 s');
    expect(formatDuration(245_000)).toBe('4 min 05 s');
    expect(formatDuration(7_800_000)).toBe('2 h 10 min');
  });

  it('aligns tables, numbers to the right, with no trailing spaces', () => {
    const table = formatTable(
      [
        { id: 7, name: 'extract' },
        { id: 12, name: 'load' },
      ],
      [
        { header: 'ID', value: (r) => String(r.id), right: true },
        { header: 'NAME', value: (r) => r.name },
      ],
    );
    expect(table).toBe('ID  NAME\n 7  extract\n12  load\n');
  });
});

describe('the help', () => {
  it('gives every command a summary, and every runnable command examples', () => {
    const io = { env: {}, platform: 'linux', homedir: '/h', stdout: { write: () => {}, isTTY: false }, stderr: { write: () => {}, isTTY: false } };
    const program = buildProgram(new CommandContext(io as unknown as CliIO, defaultTiming), '0.0.0');
    const leaves: Command[] = [];
    const visit = (command: Command): void => {
      if (command.commands.length === 0) leaves.push(command);
      command.commands.forEach(visit);
    };
    visit(program);
    expect(leaves.length).toBeGreaterThanOrEqual(26);
    for (const command of leaves) {
      const name = `${command.parent?.name()} ${command.name()}`;
      expect(command.summary(), name).not.toBe('');
      expect(fullHelp(command), name).toContain('Examples:\n  $ scaleout ');
    }
  });
});

/** A command's help as `--help` prints it, with the text added after it (the examples). */
function fullHelp(command: Command): string {
  let text = '';
  command.configureOutput({ writeOut: (s) => void (text += s), writeErr: () => {} });
  command.outputHelp();
  return text;
}
