import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseWorkerSettings, settingsToFile, type WorkerSettings } from '../config/settings.js';
import { asError } from '../errors.js';
import { assembleIdentity, generateWorkerIdentity, parseCertificate, parsePrivateKey, thumbprintsOf } from '../identity/certificate.js';
import { readPfx } from '../identity/pfx.js';
import type { CliContext, ConfigLocation } from './cli-context.js';
import { exitConfigError, formatProblems, shellQuote } from './problems.js';

export interface InitOptions {
  master: string;
  name?: string;
  description?: string;
  maxTasks?: string;
  masterThumbprint?: string;
  cert?: string;
  key?: string;
  pfx?: string;
  certValidDays: string;
  force?: boolean;
}

export const generatedCertificateName = 'worker-certificate.pem';
export const generatedKeyName = 'worker-key.pem';

/**
 * `scaleout-worker init`: gives the worker its identity (a new ECDSA P-256 key and self-signed client certificate,
 * or an existing PEM pair or PFX) and writes its settings file, every setting spelled out with its default.
 * Ends by printing the one command an administrator runs to add the worker.
 */
export async function initCommand(config: ConfigLocation, options: InitOptions, cli: CliContext): Promise<number> {
  const configPath = config.path;
  const configDir = dirname(resolve(configPath));
  if (!options.force && (await exists(configPath))) {
    cli.err(`${configPath} already exists: this worker is initialized. Use --force to replace it (the new certificate must then be added again).`);
    return 1;
  }
  const usage = identityUsageProblem(options);
  if (usage) {
    cli.err(usage);
    return 2;
  }

  const ownFiles = options.cert === undefined;
  const certificateFile = ownFiles ? join(configDir, generatedCertificateName) : resolve(options.cert ?? '');
  const keyFile = ownFiles ? join(configDir, generatedKeyName) : resolve(options.key ?? '');
  // Check the settings before creating anything, so a mistyped flag leaves nothing behind.
  const draft = {
    MasterEndpoint: options.master,
    DisplayName: options.name ?? cli.machineName,
    Description: options.description ?? '',
    ...(options.maxTasks !== undefined ? { MaxTaskCount: options.maxTasks } : {}),
    MasterHttpsCertThumbprint: options.masterThumbprint ?? '',
    WorkerCertificateFile: certificateFile,
    WorkerKeyFile: keyFile,
  };
  const parsed = parseWorkerSettings(draft, { configDir, machineName: cli.machineName });
  const validDays = Number(options.certValidDays);
  const problems = parsed.ok ? [] : [...parsed.problems];
  if (!Number.isInteger(validDays) || validDays < 1 || validDays > 3650) {
    problems.push({ setting: '--cert-valid-days', reason: 'must be a whole number of days between 1 and 3650' });
  }
  if (!parsed.ok || problems.length > 0) {
    cli.err(formatProblems('Nothing was created; fix these and run init again:', problems));
    return exitConfigError;
  }
  const settings: WorkerSettings = parsed.settings;

  let certificatePem: string;
  let origin: string;
  try {
    if (options.cert !== undefined && options.key !== undefined) {
      certificatePem = await readFile(certificateFile, 'utf8');
      assembleIdentity(parseCertificate(certificatePem, '--cert'), parsePrivateKey(await readFile(keyFile), '--key'), cli.now());
      origin = 'Using the existing certificate and key:';
    } else {
      const identity =
        options.pfx !== undefined
          ? readPfx(await readFile(options.pfx), cli.env.SCALEOUT_PFX_PASSWORD ?? '')
          : await generateWorkerIdentity({ commonName: settings.displayName, validDays, now: cli.now() });
      certificatePem = identity.certificatePem;
      assembleIdentity(parseCertificate(certificatePem, 'certificate'), parsePrivateKey(identity.privateKeyPem, 'key'), cli.now());
      await writeIdentityFiles(identity, { certificateFile, keyFile });
      origin = options.pfx !== undefined ? `Imported ${options.pfx}:` : "Created the worker's key pair (ECDSA P-256) and a self-signed client certificate:";
    }
  } catch (thrown) {
    cli.err(`Nothing usable was created: ${asError(thrown).message}`);
    return 1;
  }

  const thumbprints = thumbprintsOf(parseCertificate(certificatePem, 'certificate'));
  const final = await saveSettings(configPath, settings, thumbprints.sha1);

  const q = (value: string): string => shellQuote(value, cli.platform);
  const configFlag = config.explicit ? ` --config ${q(resolve(configPath))}` : '';
  cli.out(
    [
      origin,
      `  Certificate          ${certificateFile}`,
      `  Private key          ${keyFile}${ownFiles ? ' (readable by its owner only)' : ''}`,
      `  Thumbprint (SHA-1)   ${thumbprints.sha1}`,
      `  Thumbprint (SHA-256) ${thumbprints.sha256}`,
      `Wrote the settings: ${resolve(configPath)}`,
      '',
      "Next, an administrator adds this worker to the cluster. Copy the certificate (not the key) to the manager's machine and run:",
      '',
      `  scaleout worker add --cert ${q(certificateFile)} --name ${q(final.displayName)}`,
      '',
      'New workers start disabled, as in SSIS: enable it in the manager. Then start the worker here:',
      '',
      `  scaleout-worker start${configFlag}`,
      `  (or as a service: scaleout-worker service install${configFlag})`,
    ].join('\n'),
  );
  return 0;
}

/** The generated key (owner-only) and certificate files, in a folder only the owner may enter. */
export async function writeIdentityFiles(
  identity: { privateKeyPem: string; certificatePem: string },
  files: { certificateFile: string; keyFile: string },
): Promise<void> {
  await mkdir(dirname(files.keyFile), { recursive: true, mode: 0o700 });
  await writeSecret(files.keyFile, identity.privateKeyPem);
  await writeAtomically(files.certificateFile, identity.certificatePem, 0o644);
}

/** Writes WorkerSettings.json with every setting spelled out, and creates the folders it names. */
export async function saveSettings(configPath: string, settings: WorkerSettings, certificateSha1: string): Promise<WorkerSettings> {
  const final: WorkerSettings = { ...settings, workerHttpsCertThumbprint: certificateSha1 };
  for (const folder of [final.tasksRootFolder, final.executionLogCacheFolder, final.agentLogFolder]) {
    await mkdir(folder, { recursive: true, mode: 0o700 });
  }
  await writeAtomically(configPath, `${JSON.stringify(settingsToFile(final), null, 2)}\n`, 0o644);
  return final;
}

function identityUsageProblem(options: InitOptions): string | undefined {
  if ((options.cert === undefined) !== (options.key === undefined)) return 'Give both --cert and --key (or neither).';
  if (options.pfx !== undefined && options.cert !== undefined) return 'Give either --pfx or --cert/--key, not both.';
  return undefined;
}

/** A private key: created with owner-only permissions from the first byte (never written wider, then narrowed). */
async function writeSecret(path: string, content: string): Promise<void> {
  const temporary = `${path}.tmp`;
  await rm(temporary, { force: true });
  await writeFile(temporary, content, { mode: 0o600, flag: 'wx' });
  await rename(temporary, path);
}

async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp`;
  await writeFile(temporary, content, { mode });
  await rename(temporary, path);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
