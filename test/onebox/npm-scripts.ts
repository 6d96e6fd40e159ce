import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { projectRoot } from '../../functions/project.js';

/** `npm <args>` as a user starts it in a terminal: its own process group, so Ctrl-C can reach the whole group. */
export interface NpmRun {
  child: ChildProcess;
  /** Everything printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the exit code, or the signal's name when one ended it. */
  exited: Promise<number | string>;
  /** Resolves with the first match of `pattern` in the output; rejects when the process ends or time runs out. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** Ctrl-C in the terminal: SIGINT to every process of the foreground group. */
  pressCtrlC(): void;
}

export function runNpm(args: string[], env: Record<string, string>): NpmRun {
  // The test's own SCALEOUT_ settings (if any) must not leak into what a new user would run.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SCALEOUT_')));
  const child = spawn('npm', args, { cwd: projectRoot(), env: { ...clean, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return {
    child,
    output: () => text,
    exited,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(text);
        if (match) return match;
        if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
          throw new Error(`npm ${args.join(' ')} never printed ${pattern}:\n${text}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    pressCtrlC: () => process.kill(-child.pid!, 'SIGINT'),
  };
}

/** The command lines of every process still running that mention `text` (e.g. a one-box's data folder). */
export function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (commandLine.includes(text) && Number(pid) !== process.pid) found.push(`${pid}: ${commandLine}`);
    } catch {
      // It ended while we looked.
    }
  }
  return found;
}

/** The processes still in process group `pgid` (what a terminal's Ctrl-C reaches). */
export function processesInGroup(pgid: number): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      // The fields after the command name (which may hold spaces, inside parentheses): state, ppid, pgrp…
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (Number(fields[2]) === pgid) found.push(`${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')}`);
    } catch {
      // It ended while we looked.
    }
  }
  return found;
}

/** `scaleout …` as the printed next steps say (run as bin/scaleout.js, what `npm link` puts on the PATH), with its own configuration file. */
export async function scaleout(args: string[], env: Record<string, string>, stdin?: string): Promise<{ code: number; output: string }> {
  const child = execFile(process.execPath, [join(projectRoot(), 'bin', 'scaleout.js'), ...args], {
    cwd: projectRoot(),
    env: { PATH: process.env['PATH'] ?? '', ...env },
  });
  if (stdin !== undefined) child.stdin!.end(stdin);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.once('exit', (exitCode) => resolve(exitCode ?? -1)));
  return { code, output };
}
