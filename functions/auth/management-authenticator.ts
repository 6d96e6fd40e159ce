import { roleIncludes, type ApiKeyRole } from '../../contracts/endpoint.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Clock } from '../clock.js';
import type { ApiRequest } from '../http/api-request.js';
import { HttpProblem, ProblemType } from '../http/problem.js';
import { apiKeyPrefix, parseApiKey, secretMatches } from './api-keys.js';
import { isTaskCredential } from './task-credentials.js';
import { unauthorized } from './worker-authenticator.js';

export interface ManagementCaller {
  /** Recorded as created_by and in the audit trail: `apikey:<id>` or `entra:<name>`. */
  actor: string;
  role: ApiKeyRole;
  /**
   * Whom object permissions are given to: `apikey:<id>`, or `entra:<object id>` followed by the caller's groups
   * (`entra:<group object id>`). The first is the caller's own, given every permission on what it creates.
   */
  principals: string[];
}

/** The claim types App Service authentication uses for an Entra caller's object id and its groups. */
const objectIdClaims = new Set(['http://schemas.microsoft.com/identity/claims/objectidentifier', 'oid']);
const groupClaims = new Set(['groups']);

/** App roles an Entra ID app registration defines for Scale Out. */
export const entraAppRoles: Record<string, ApiKeyRole> = {
  'ScaleOut.Admin': 'admin',
  'ScaleOut.Executor': 'executor',
  'ScaleOut.Reader': 'reader',
};

const keyCacheTtlMs = 10_000;
const lastUsedResolutionMs = 60_000;

/**
 * Authenticates management calls: an API key (`Authorization: Bearer so_…` or `X-Api-Key`), or, when the master
 * sits behind App Service authentication (SCALEOUT_ENTRA_AUTH), the Entra ID principal the platform vouches for.
 * Keys are looked up at most every few seconds; revoking on this instance takes effect at once.
 */
export class ManagementAuthenticator {
  readonly #keys = new Map<string, { keyHash: string; role: ApiKeyRole; revoked: boolean; fetchedAt: number; lastUsedAt: number | null }>();

  constructor(
    private readonly catalog: Catalog,
    private readonly entraAuth: boolean,
    private readonly clock: Clock,
  ) {}

  async authenticate(request: ApiRequest, required: ApiKeyRole): Promise<ManagementCaller> {
    const caller = await this.#identify(request);
    if (!roleIncludes(caller.role, required)) {
      throw new HttpProblem({
        type: ProblemType.forbidden,
        title: 'Forbidden',
        status: 403,
        detail: `this needs the ${required} role; ${caller.actor} has ${caller.role}`,
      });
    }
    return caller;
  }

  forgetKey(apiKeyId: string): void {
    this.#keys.delete(apiKeyId);
  }

  async #identify(request: ApiRequest): Promise<ManagementCaller> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.header('authorization') ?? '')?.[1];
    const apiKey = request.header('x-api-key') ?? (bearer?.startsWith(apiKeyPrefix) ? bearer : undefined);
    if (apiKey) return this.#fromApiKey(apiKey);
    // Behind App Service authentication an Entra caller's own Bearer token reaches the master as well: the platform
    // has validated it and vouches for the caller in this header, which it strips from incoming requests.
    const principal = this.entraAuth ? request.header('x-ms-client-principal') : undefined;
    if (principal) return fromEntraPrincipal(principal);
    if (bearer) return this.#fromApiKey(bearer);
    throw unauthorized(
      'no credentials: send an API key as `X-Api-Key: so_…` or `Authorization: Bearer so_…` (create one with `scaleout apikey create`)',
    );
  }

  async #fromApiKey(presented: string): Promise<ManagementCaller> {
    const parsed = parseApiKey(presented);
    if (!parsed && isTaskCredential(presented)) {
      throw new HttpProblem({
        type: ProblemType.forbidden,
        title: 'Forbidden',
        status: 403,
        detail: "a task credential may only start, stop and read its own execution's children (/api/v1/task/…)",
      });
    }
    if (!parsed) throw unauthorized('the API key is not in the form so_<id>_<secret>');
    const now = this.clock.now();
    let entry = this.#keys.get(parsed.apiKeyId);
    if (!entry || now - entry.fetchedAt > keyCacheTtlMs) {
      const key = await this.catalog.findApiKey(parsed.apiKeyId);
      if (!key) throw unauthorized('unknown API key');
      entry = {
        keyHash: key.keyHash,
        role: key.role,
        revoked: key.revokedTime !== null,
        fetchedAt: now,
        lastUsedAt: entry?.lastUsedAt ?? key.lastUsedTime,
      };
      this.#keys.set(parsed.apiKeyId, entry);
    }
    if (!secretMatches(parsed.secretPart, entry.keyHash)) throw unauthorized('wrong API key');
    if (entry.revoked) throw unauthorized('this API key was revoked');
    if (entry.lastUsedAt === null || now - entry.lastUsedAt > lastUsedResolutionMs) {
      // "Last used" to the minute is enough, and keeps busy keys from writing on every request.
      entry.lastUsedAt = now;
      await this.catalog.recordApiKeyUse(parsed.apiKeyId);
    }
    return { actor: `apikey:${parsed.apiKeyId}`, role: entry.role, principals: [`apikey:${parsed.apiKeyId}`] };
  }
}

function fromEntraPrincipal(header: string): ManagementCaller {
  let principal: { claims?: { typ: string; val: string }[]; role_typ?: string; name_typ?: string };
  try {
    principal = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as typeof principal;
  } catch {
    throw unauthorized('the x-ms-client-principal header is not valid');
  }
  const claims = principal.claims ?? [];
  const roleType = principal.role_typ ?? 'roles';
  const nameType = principal.name_typ ?? 'name';
  const roles = claims
    .filter((c) => c.typ === roleType || c.typ === 'roles')
    .map((c) => entraAppRoles[c.val])
    .filter((role): role is ApiKeyRole => role !== undefined);
  const name = claims.find((c) => c.typ === nameType || c.typ === 'preferred_username')?.val ?? 'unknown';
  if (roles.length === 0) {
    throw new HttpProblem({
      type: ProblemType.forbidden,
      title: 'Forbidden',
      status: 403,
      detail: `${name} has none of the app roles ${Object.keys(entraAppRoles).join(', ')}`,
    });
  }
  const role = roles.reduce((best, r) => (roleIncludes(best, r) ? best : r));
  const objectId = claims.find((c) => objectIdClaims.has(c.typ))?.val;
  // Without its object id a caller holds no permission of its own, nor of its groups: only its role counts.
  const principals = objectId === undefined ? [] : [objectId, ...claims.filter((c) => groupClaims.has(c.typ)).map((c) => c.val)];
  return { actor: `entra:${name}`, role, principals: principals.map((id) => `entra:${id.toLowerCase()}`) };
}
