import { createApiKey, listApiKeys, listAuditTrail, revokeApiKey } from '../../../contracts/management/endpoints.js';
import { issueApiKey } from '../../auth/api-keys.js';
import type { ApiKey } from '../../catalog/domain.js';
import { NotFoundError } from '../../catalog/errors.js';
import { defineHandler } from '../../http/define-handler.js';
import { iso, toApiKeyView } from '../views.js';

export const createApiKeyFunction = defineHandler(
  createApiKey,
  async ({ body, caller, idempotency }, { catalog }) => {
    const { apiKey, secret } = await issueApiKey(
      catalog,
      { name: body.name, role: body.role },
      caller.actor,
      idempotency && ((keep) => idempotency.guard((written: ApiKey) => ({ apiKey: toApiKeyView(written), secret: keep.secret }), { keep })),
    );
    return { apiKey: toApiKeyView(apiKey), secret };
  },
  {
    // The secret is not in the catalog (only its hash): the key's record kept it, encrypted.
    replay: async (result, { catalog }) => {
      const apiKey = await catalog.findApiKey(String(result['apiKeyId']));
      if (!apiKey) throw new NotFoundError('API key', String(result['apiKeyId']));
      const { keyHash: _hash, ...view } = apiKey;
      return { apiKey: toApiKeyView(view), secret: String(result['secret']) };
    },
  },
);

export const listApiKeysFunction = defineHandler(listApiKeys, async (_input, { catalog }) => ({
  apiKeys: (await catalog.listApiKeys()).map(toApiKeyView),
}));

export const revokeApiKeyFunction = defineHandler(revokeApiKey, async ({ params, caller }, services) => {
  const apiKey = await services.catalog.revokeApiKey(params.apiKeyId, caller.actor);
  services.managementAuth.forgetKey(params.apiKeyId);
  return toApiKeyView(apiKey);
});

export const listAuditTrailFunction = defineHandler(listAuditTrail, async ({ query }, { catalog }) => {
  const page = await catalog.listAuditTrail({ limit: query.limit, offset: query.offset });
  return {
    entries: page.items.map((entry) => ({ ...entry, occurredTime: iso(entry.occurredTime) })),
    nextOffset: page.nextOffset,
  };
});
