import { dirname, join, resolve } from 'node:path';
import { ApiError, callEndpoint } from '../../contracts/client.js';
import { enrollWorker, parseEnrollmentToken } from '../../contracts/enrollment.js';
import { NodeHttpsTransport, PinnedCertificateMismatch } from '../../contracts/node-https-transport.js';
import { agentInfo } from '../agent-info.js';
import { parseWorkerSettings } from '../config/settings.js';
import { asError, describeError } from '../errors.js';
import { assembleIdentity, generateWorkerIdentity, parseCertificate, parsePrivateKey, thumbprintsOf } from '../identity/certificate.js';
import type { CliContext, ConfigLocation } from './cli-context.js';
import { exists, generatedCertificateName, generatedKeyName, saveSettings, writeIdentityFiles } from './init-command.js';
import { exitConfigError, formatProblems, shellQuote } from './problems.js';

export interface JoinOptions {
  token: string;
  name?: string;
  description?: string;
  certValidDays: string;
  force?: boolean;
  service?: boolean;
}

/**
 * `scaleout-worker join <master> --token <token>`: what `init` and an administrator's `worker add` do, in one step
 * on the worker machine. Creates the key pair and certificate as `init` does, pins the master's certificate by the
 * SHA-256 the token carries (nothing, the token included, is sent to a master that presents another), registers
 * the worker with the token (POST /api/v1/agent/enroll), then writes WorkerSettings.json. With `--service`, goes on
 * to `service install`. Nothing is left behind when the master refuses.
 */
export async function joinCommand(
  config: ConfigLocation,
  masterUrl: string,
  options: JoinOptions,
  cli: CliContext,
  installService: () => Promise<number>,
): Promise<number> {
  const configPath = resolve(config.path);
  if (!options.force && (await exists(configPath))) {
    cli.err(`${configPath} already exists: this worker is set up already. Use --force to replace it (and join as a new worker).`);
    return 1;
  }
  const token = parseEnrollmentToken(options.token);
  if (!token) {
    cli.err('--token: not an enrollment token (they read soj_…; an administrator prints one with `scaleout worker token create`).');
    return 2;
  }
  const configDir = dirname(configPath);
  const files = { certificateFile: join(configDir, generatedCertificateName), keyFile: join(configDir, generatedKeyName) };
  const parsed = parseWorkerSettings(
    {
      MasterEndpoint: masterUrl,
      DisplayName: options.name ?? cli.machineName,
      Description: options.description ?? '',
      MasterHttpsCertThumbprint: token.masterCertificateSha256 ?? '',
      WorkerCertificateFile: files.certificateFile,
      WorkerKeyFile: files.keyFile,
    },
    { configDir, machineName: cli.machineName },
  );
  const validDays = Number(options.certValidDays);
  const problems = parsed.ok ? [] : [...parsed.problems];
  if (!Number.isInteger(validDays) || validDays < 1 || validDays > 3650) {
    problems.push({ setting: '--cert-valid-days', reason: 'must be a whole number of days between 1 and 3650' });
  }
  if (!parsed.ok || problems.length > 0) {
    cli.err(formatProblems('Nothing was created; fix these and run join again:', problems.map((p) => (p.setting === 'MasterEndpoint' ? { ...p, setting: '<master-url>' } : p))));
    return exitConfigError;
  }
  const settings = parsed.settings;

  const identity = await generateWorkerIdentity({ commonName: settings.displayName, validDays, now: cli.now() });
  const certificate = parseCertificate(identity.certificatePem, 'certificate');
  assembleIdentity(certificate, parsePrivateKey(identity.privateKeyPem, 'key'), cli.now());

  const transport = new NodeHttpsTransport({ baseUrl: settings.masterEndpoint, pinnedThumbprint: settings.masterHttpsCertThumbprint });
  let joined;
  try {
    joined = await callEndpoint(
      transport,
      enrollWorker,
      {
        body: {
          certificate: identity.certificatePem,
          displayName: settings.displayName,
          ...(settings.description ? { description: settings.description } : {}),
          agent: agentInfo(cli.machineName),
        },
      },
      { headers: { authorization: `Bearer ${options.token.trim()}` } },
    );
  } catch (thrown) {
    cli.err(`Not joined: ${joinFailure(asError(thrown), settings.masterEndpoint, token.masterCertificateSha256)} Nothing was created here.`);
    return 1;
  } finally {
    transport.close();
  }

  await writeIdentityFiles(identity, files);
  const final = await saveSettings(configPath, { ...settings, displayName: joined.displayName, maxTaskCount: joined.maxTaskCount }, thumbprintsOf(certificate).sha1);

  const configFlag = config.explicit ? ` --config ${shellQuote(configPath, cli.platform)}` : '';
  cli.out(
    [
      `Joined ${settings.masterEndpoint} as worker ${joined.workerAgentId} (${joined.displayName}):`,
      `  Tags          ${joined.tags.length > 0 ? joined.tags.join(', ') : '(none)'}`,
      `  MaxTaskCount  ${joined.maxTaskCount}`,
      `  Enabled       ${joined.isEnabled ? 'yes: it takes tasks once started' : 'no: an administrator enables it (scaleout worker enable), as in SSIS'}`,
      `  Certificate   ${files.certificateFile} (SHA-1 ${final.workerHttpsCertThumbprint})`,
      `  Master pinned ${token.masterCertificateSha256 ? `by SHA-256 ${token.masterCertificateSha256}` : "no (its certificate is checked against this machine's CAs)"}`,
      `Wrote the settings: ${configPath}`,
      ...(options.service ? [] : ['', 'Start the worker:', '', `  scaleout-worker start${configFlag}`, `  (or as a service: scaleout-worker service install${configFlag})`]),
    ].join('\n'),
  );
  return options.service ? installService() : 0;
}

/** Why the master did not take the worker, in the words an administrator acts on. */
function joinFailure(error: Error, masterUrl: string, pin: string | undefined): string {
  if (error instanceof PinnedCertificateMismatch) {
    return (
      `the master at ${masterUrl} presented a certificate with SHA-256 ${error.presented?.sha256 ?? '(none)'}, but the token pins ${pin}: ` +
      'this is not the master that created the token (or something in between answers for it). The token was not sent.'
    );
  }
  if (error instanceof ApiError) return `the master refused the token (HTTP ${error.status}): ${error.problem?.detail ?? error.message}.`;
  return `the master at ${masterUrl} could not be reached: ${describeError(error)}.`;
}
