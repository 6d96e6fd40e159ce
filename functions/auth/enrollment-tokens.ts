import { enrollmentRefusals, formatEnrollmentToken, parseEnrollmentToken, type EnrollmentRefusal } from '../../contracts/enrollment.js';
import type { Catalog, NewEnrollmentToken } from '../catalog/catalog.js';
import { enrollmentTokenState, type EnrollmentToken } from '../catalog/domain.js';
import type { Clock } from '../clock.js';
import type { HttpProblem } from '../http/problem.js';
import { generateKeyParts, secretMatches } from './api-keys.js';
import { unauthorized } from './worker-authenticator.js';

export interface EnrollingCaller {
  tokenId: string;
}

/**
 * Creates an enrollment token: the catalog keeps its hash (made as an API key's is), the caller gets the whole
 * token, once. It carries the SHA-256 of the certificate this master serves HTTPS with, when it has one of its
 * own, so that `scaleout-worker join` pins it.
 */
export async function issueEnrollmentToken(
  catalog: Pick<Catalog, 'insertEnrollmentToken'>,
  input: Omit<NewEnrollmentToken, 'tokenId' | 'tokenHash'>,
  actor: string,
  masterCertificateSha256: string | undefined,
): Promise<{ token: EnrollmentToken; secret: string }> {
  const { id, secretPart, hash } = generateKeyParts();
  const token = await catalog.insertEnrollmentToken({ ...input, tokenId: id, tokenHash: hash }, actor);
  return { token, secret: formatEnrollmentToken({ tokenId: id, secretPart, masterCertificateSha256 }) };
}

/**
 * Checks the token an enrolling worker sends, before its request body is read: a 401 saying why otherwise.
 * A wrong secret gets the same answer as an unknown id. Spending the use happens with the registration, in one
 * transaction (Catalog.enrollWorkerAgent), which checks the same rules again.
 */
export async function authenticateEnrollment(
  catalog: Pick<Catalog, 'findEnrollmentToken'>,
  clock: Clock,
  authorization: string | undefined,
): Promise<EnrollingCaller> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!bearer) throw enrollmentRefused('missing');
  const parts = parseEnrollmentToken(bearer);
  const token = parts && (await catalog.findEnrollmentToken(parts.tokenId));
  if (!parts || !token || !secretMatches(parts.secretPart, token.tokenHash)) throw enrollmentRefused('unknown');
  const state = enrollmentTokenState(token, clock.now());
  if (state !== 'active') throw enrollmentRefused(state);
  return { tokenId: token.tokenId };
}

export function enrollmentRefused(reason: EnrollmentRefusal): HttpProblem {
  return unauthorized(enrollmentRefusals[reason]);
}
