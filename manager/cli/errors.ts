import { ApiError, ContractError, InputError } from '../../contracts/client.js';
import { describeFieldErrors, fieldLabel } from '../../contracts/field-errors.js';
import { PinnedCertificateMismatch } from '../../contracts/node-https-transport.js';

/**
 * Exit codes, so a script can tell what went wrong without reading the message. They are listed in
 * `scaleout --help` (see help.ts); keep the two in step.
 */
export const ExitCode = {
  ok: 0,
  /** The master refused or failed the request: an invalid value, a conflict, a server error. */
  failure: 1,
  /** The command line (or a file it names) is wrong; nothing was sent. */
  usage: 2,
  /** Not connected, a configuration problem, or the master cannot be reached or is not trusted. */
  notConnected: 3,
  /** The worker, execution, schedule, project, package or API key does not exist. */
  notFound: 4,
  /**
   * The API key was refused (401) or its role is too low (403); inside a package, the task credential was refused
   * or the command is not one it allows.
   */
  unauthorized: 5,
  /** The confirmation was declined. */
  declined: 6,
  /** `--wait`: the execution failed. */
  executionFailed: 10,
  /** `--wait`: the execution was canceled (stop_operation). */
  executionCanceled: 11,
  /** `--wait`: the execution ended unexpectedly (its worker was lost and no retry was left). */
  executionEndedUnexpectedly: 12,
  /** `--wait`: the time given with --timeout passed first; the execution goes on. */
  waitTimedOut: 13,
  /** Interrupted (Ctrl-C). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit codes as `--help` lists them. */
export const exitCodeHelp: readonly (readonly [ExitCode, string])[] = [
  [ExitCode.ok, 'success'],
  [ExitCode.failure, 'the master refused or failed the request (an invalid value, a conflict, a server error)'],
  [ExitCode.usage, 'usage error: a bad command, option, argument or input file; nothing was sent'],
  [ExitCode.notConnected, 'not connected, a configuration problem, or the master unreachable or not trusted'],
  [ExitCode.notFound, 'not found: the worker, execution, schedule, project, package or API key does not exist'],
  [ExitCode.unauthorized, 'the API key was refused (401) or its role is too low (403); in a package: not allowed with its task credential'],
  [ExitCode.declined, 'the confirmation was declined; nothing was changed'],
  [ExitCode.executionFailed, '--wait: the execution failed'],
  [ExitCode.executionCanceled, '--wait: the execution was canceled'],
  [ExitCode.executionEndedUnexpectedly, '--wait: the execution ended unexpectedly'],
  [ExitCode.waitTimedOut, '--wait: timed out waiting (--timeout); the execution goes on'],
  [ExitCode.interrupted, 'interrupted (Ctrl-C)'],
];

/** An error the CLI reports as one line on stderr, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

export const usageError = (message: string): CliError => new CliError(message, ExitCode.usage);

/** Where the credential sent to the master came from, for saying what to do when it is refused. */
export type CredentialSource = 'environment' | 'file' | 'task';

const refusedCredentialHint: Record<CredentialSource, string> = {
  environment: 'the key in SCALEOUT_API_KEY was refused',
  file: 'connect again with another key: scaleout connect',
  task: "the task credential in SCALEOUT_TASK_CREDENTIAL was refused: it works only while this package's attempt holds its lease",
};

/**
 * The CLI's reading of an error thrown while calling the master. `flags` renames the contract's fields to the
 * options a user typed (`body.maxTaskCount` → `--max-tasks`).
 */
export function fromCallError(
  error: unknown,
  masterUrl: string,
  flags: Record<string, string> = {},
  keySource: CredentialSource = 'file',
): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof InputError) {
    return new CliError(describeFieldErrors(error.issues, (field) => fieldAsFlag(field, flags)), ExitCode.usage, { cause: error });
  }
  if (error instanceof ApiError) {
    const message = error.problem ? describeProblemWithFlags(error.problem, flags) : `the master answered HTTP ${error.status} to ${error.operationId}`;
    switch (error.status) {
      case 401:
        return new CliError(`${message} (${refusedCredentialHint[keySource]})`, ExitCode.unauthorized, { cause: error });
      case 403:
        return new CliError(message, ExitCode.unauthorized, { cause: error });
      case 404:
        return new CliError(message, ExitCode.notFound, { cause: error });
      default:
        return new CliError(message, ExitCode.failure, { cause: error });
    }
  }
  if (error instanceof ContractError) return new CliError(error.message, ExitCode.failure, { cause: error });
  if (isAbort(error)) return new CliError('interrupted', ExitCode.interrupted, { cause: error });
  if (error instanceof PinnedCertificateMismatch) {
    return new CliError(
      `refused the master at ${masterUrl}: ${error.message}; if its certificate was renewed, check the new thumbprint and pin it: scaleout connect ${masterUrl} --thumbprint <SHA-1>`,
      ExitCode.notConnected,
      { cause: error },
    );
  }
  // Anything else came from the connection itself.
  return new CliError(`cannot reach the master at ${masterUrl}: ${describeConnectionError(error)}`, ExitCode.notConnected, {
    cause: error,
  });
}

/** The master's problem in one line; the fields a 400 blames are named by their options when the command has them. */
function describeProblemWithFlags(problem: NonNullable<ApiError['problem']>, flags: Record<string, string>): string {
  const errors = problem.errors ?? [];
  if (problem.status !== 400 || errors.length === 0) return problem.detail;
  return describeFieldErrors(errors, (field) => fieldAsFlag(field, flags));
}

/** `body.parameters.BatchSize` → `--param BatchSize`, `body.requiredTags.0` → `--tag`; other fields by their label. */
function fieldAsFlag(field: string, flags: Record<string, string>): string {
  for (const [prefix, flag] of Object.entries(flags)) {
    if (field === prefix) return flag;
    if (field.startsWith(`${prefix}.`)) {
      const rest = field.slice(prefix.length + 1);
      return /^\d+(\.|$)/.test(rest) ? flag : `${flag} ${rest}`;
    }
  }
  return fieldLabel(field);
}

const untrustedCertificateCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function describeConnectionError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ECONNREFUSED') return `${message} (is the master running?)`;
  if (typeof code === 'string' && untrustedCertificateCodes.has(code)) {
    return `${message}: its certificate is not trusted by this system; pin it with scaleout connect URL --thumbprint <SHA-1>`;
  }
  return message;
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: unknown }).code === 'ABORT_ERR');
}

/** Turns whatever was thrown into an Error. */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
