import type { Catalog } from '../catalog.js';
import type { CatalogContext } from '../context.js';
import { NotFoundError } from '../errors.js';
import { toApiKey } from '../rows.js';
import { audit } from './audit.js';
import { rememberIdempotencyKey } from './idempotency-keys.js';

export function apiKeyOperations(
  ctx: CatalogContext,
): Pick<Catalog, 'insertApiKey' | 'findApiKey' | 'listApiKeys' | 'revokeApiKey' | 'recordApiKeyUse'> {
  const load = async (apiKeyId: string) => {
    const row = await ctx.engine.read((db) =>
      db.selectFrom('api_keys').selectAll().where('api_key_id', '=', apiKeyId).executeTakeFirst(),
    );
    if (!row) throw new NotFoundError('API key', apiKeyId);
    return toApiKey(row);
  };

  return {
    insertApiKey: (input, actor, guard) =>
      ctx.engine.transaction(async (trx) => {
        const row = {
          api_key_id: input.apiKeyId,
          name: input.name,
          key_hash: input.keyHash,
          role: input.role,
          created_by: actor,
          created_time: ctx.clock.now(),
        };
        await trx.insertInto('api_keys').values(row).execute();
        await audit(ctx, trx, {
          actor,
          action: 'create-api-key',
          targetType: 'api-key',
          targetId: input.apiKeyId,
          details: { name: input.name, role: input.role },
        });
        const apiKey = toApiKey({ ...row, last_used_time: null, revoked_time: null });
        await rememberIdempotencyKey(ctx, trx, guard, { apiKeyId: input.apiKeyId }, () => apiKey);
        return apiKey;
      }),

    findApiKey: (apiKeyId) =>
      ctx.engine.read(async (db) => {
        const row = await db.selectFrom('api_keys').selectAll().where('api_key_id', '=', apiKeyId).executeTakeFirst();
        return row ? { ...toApiKey(row), keyHash: row.key_hash } : undefined;
      }),

    listApiKeys: () =>
      ctx.engine.read(async (db) =>
        (await db.selectFrom('api_keys').selectAll().orderBy('created_time').orderBy('api_key_id').execute()).map(toApiKey),
      ),

    async revokeApiKey(apiKeyId, actor) {
      await ctx.engine.transaction(async (trx) => {
        const result = await trx
          .updateTable('api_keys')
          .set({ revoked_time: ctx.clock.now() })
          .where('api_key_id', '=', apiKeyId)
          .where('revoked_time', 'is', null)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) {
          const exists = await trx.selectFrom('api_keys').select('api_key_id').where('api_key_id', '=', apiKeyId).executeTakeFirst();
          if (!exists) throw new NotFoundError('API key', apiKeyId);
          return; // already revoked: nothing to do, nothing to audit
        }
        await audit(ctx, trx, { actor, action: 'revoke-api-key', targetType: 'api-key', targetId: apiKeyId });
      });
      return load(apiKeyId);
    },

    async recordApiKeyUse(apiKeyId) {
      await ctx.engine.transaction(async (trx) => {
        await trx.updateTable('api_keys').set({ last_used_time: ctx.clock.now() }).where('api_key_id', '=', apiKeyId).execute();
      });
    },
  };
}
