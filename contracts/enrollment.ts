import * as z from 'zod';
import { Description, DisplayName, MaxTaskCount, Tag, WorkerAgentId } from './common.js';
import { defineEndpoint } from './endpoint.js';
import { AgentInfo } from './worker-protocol.js';

/**
 * How a worker joins without an administrator copying its certificate (GitHub runner registration tokens, kubeadm
 * bootstrap tokens): an administrator creates an enrollment token, `scaleout-worker join <master> --token <token>`
 * on the worker machine presents it once, with the certificate it just created, to `POST /api/v1/agent/enroll`.
 *
 * A token reads `soj_<id>_<secret>` or `soj_<id>_<secret>_<sha256>`: the id finds it, the secret proves it (the
 * master keeps only its hash, as for API keys), and the SHA-256 of the master's TLS certificate, when the master
 * serves TLS itself with a self-signed one, lets `join` pin that certificate before it sends the token anywhere.
 */
const tokenPattern = /^soj_([a-z0-9]{12})_([A-Za-z0-9_-]{43})(?:_([0-9a-f]{64}))?$/;

/** What every enrollment token starts with. */
export const enrollmentTokenPrefix = 'soj_';

export interface EnrollmentTokenParts {
  tokenId: string;
  secretPart: string;
  /** Lowercase hex; absent when the master's certificate is one the system's CAs vouch for. */
  masterCertificateSha256?: string | undefined;
}

export function formatEnrollmentToken(parts: EnrollmentTokenParts): string {
  return [`soj_${parts.tokenId}`, parts.secretPart, ...(parts.masterCertificateSha256 ? [parts.masterCertificateSha256] : [])].join('_');
}

export function parseEnrollmentToken(token: string): EnrollmentTokenParts | undefined {
  const match = tokenPattern.exec(token.trim());
  if (!match) return undefined;
  return { tokenId: match[1]!, secretPart: match[2]!, ...(match[3] ? { masterCertificateSha256: match[3] } : {}) };
}

/** The `detail` of the 401 each refused enrollment gets: which rule, and nothing about other tokens. */
export const enrollmentRefusals = {
  missing: 'no enrollment token: send Authorization: Bearer soj_… (create one with `scaleout worker token create`)',
  unknown: 'the enrollment token is not known to this master (mistyped, or created on another one)',
  expired: 'the enrollment token has expired: create a new one with `scaleout worker token create`',
  'used-up': 'the enrollment token has been used as many times as it allows: create a new one with `scaleout worker token create`',
  revoked: 'the enrollment token was revoked',
} as const;
export type EnrollmentRefusal = keyof typeof enrollmentRefusals;

export const enrollWorker = defineEndpoint({
  operationId: 'enrollWorker',
  method: 'POST',
  path: '/v1/agent/enroll',
  summary:
    'Register this worker with an enrollment token (not an API key), once per use of the token: as `addWorker` does, with the token\'s tags, MaxTaskCount and enabled flag.',
  access: { kind: 'enrollment' },
  body: z.object({
    /** The worker's new certificate (PEM): the master knows the worker by it from now on. */
    certificate: z.string().min(1).max(20_000),
    displayName: DisplayName.optional(),
    description: Description.optional(),
    agent: AgentInfo,
  }),
  response: z.object({
    workerAgentId: WorkerAgentId,
    displayName: z.string(),
    tags: z.array(Tag),
    maxTaskCount: MaxTaskCount,
    isEnabled: z.boolean(),
  }),
  status: 201,
});

export const enrollmentEndpoints = [enrollWorker] as const;
