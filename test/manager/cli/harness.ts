import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Timing } from '../../../manager/cli/context.js';
import { realClock, type CliIO } from '../../../manager/cli/io.js';
import { runCli } from '../../../manager/cli/program.js';
import type { TestMaster } from '../../support/test-master.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The questions the CLI asked (in-process runs). */
  questions: string[];
}

export interface CliRunOptions {
  env?: Record<string, string | undefined>;
  /** Answers to the CLI's questions, in order; a question beyond them fails the test. */
  answers?: string[];
  /** stdin is a terminal. @default false */
  interactive?: boolean;
  /** stdout and stderr are terminals (colors, progress). @default false */
  tty?: boolean;
  stdin?: string;
  cwd?: string;
  signal?: AbortSignal;
  /** Called with each piece of stdout as the CLI writes it (in-process runs), to act once it has said something. */
  onStdout?: (text: string) => void;
}

/** Short polls, so waits end soon after the execution does; nothing depends on them being exact. */
export const testTiming: Timing = { pollIntervalMs: 150, quietMs: 600 };

/**
 * The environment that points the CLI at a test master as its admin, with no configuration file (its path in the
 * master's own folder, removed with it).
 */
export function masterEnv(master: TestMaster, apiKey = master.adminKey): Record<string, string> {
  return {
    SCALEOUT_MASTER: master.url,
    SCALEOUT_API_KEY: apiKey,
    SCALEOUT_MASTER_THUMBPRINT: master.host.certificateThumbprint,
    SCALEOUT_CONFIG: join(master.folder, 'cli-config.json'),
  };
}

/** Runs the CLI in this process with captured streams. */
export async function runInProcess(args: string[], options: CliRunOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const questions: string[] = [];
  const answers = [...(options.answers ?? [])];
  const io: CliIO = {
    stdout: {
      write: (text) => {
        stdout += text;
        options.onStdout?.(text);
      },
      isTTY: options.tty ?? false,
    },
    stderr: { write: (text) => void (stderr += text), isTTY: options.tty ?? false },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    interactive: options.interactive ?? false,
    readStdin: () => Promise.resolve(options.stdin ?? ''),
    prompt: (question) => {
      questions.push(question);
      const answer = answers.shift();
      return answer === undefined ? Promise.reject(new Error(`unexpected question: ${question}`)) : Promise.resolve(answer);
    },
    clock: realClock,
    ...(options.signal ? { signal: options.signal } : {}),
    platform: process.platform,
    homedir: tmpdir(),
  };
  const code = await runCli(args, io, { version: '0.1.0-test', timing: testTiming });
  return { code, stdout, stderr, questions };
}

const mainJs = resolve('dist/manager/cli/main.js');

/** Runs the compiled CLI as a child process (vitest's global setup compiled dist/), without a terminal. */
export function runProcess(args: string[], options: { env?: Record<string, string | undefined>; stdin?: string } = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [mainJs, ...args], {
      env: { PATH: process.env['PATH'], HOME: tmpdir(), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr, questions: [] }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** The lines of an error output: a CLI error is exactly one. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}
