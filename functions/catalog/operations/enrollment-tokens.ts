import type { Selectable } from 'kysely';
import type { Catalog } from '../catalog.js';
import type { CatalogContext } from '../context.js';
import { enrollmentTokenState, type EnrollmentToken } from '../domain.js';
import type { CatalogDb, CatalogTrx } from '../engine.js';
import { EnrollmentRefusedError, NotFoundError } from '../errors.js';
import { flag, num, numOrNull } from '../rows.js';
import type { EnrollmentTokensTable } from '../schema.js';
import { audit } from './audit.js';
import { insertWorkerAgent } from './worker-agents.js';

function toEnrollmentToken(row: Selectable<EnrollmentTokensTable>): EnrollmentToken {
  return {
    tokenId: row.token_id,
    createdBy: row.created_by,
    createdTime: num(row.created_time),
    expiresTime: num(row.expires_time),
    maxUses: row.max_uses,
    useCount: row.use_count,
    tags: JSON.parse(row.tags) as string[],
    maxTaskCount: row.max_task_count,
    enableWorker: flag(row.enable_worker),
    lastUsedTime: numOrNull(row.last_used_time),
    revokedTime: numOrNull(row.revoked_time),
  };
}

const selectToken = (db: CatalogDb | CatalogTrx, tokenId: string) =>
  db.selectFrom('enrollment_tokens').selectAll().where('token_id', '=', tokenId).executeTakeFirst();

export function enrollmentTokenOperations(
  ctx: CatalogContext,
): Pick<Catalog, 'insertEnrollmentToken' | 'findEnrollmentToken' | 'listEnrollmentTokens' | 'revokeEnrollmentToken' | 'enrollWorkerAgent'> {
  const load = async (db: CatalogDb | CatalogTrx, tokenId: string) => {
    const row = await selectToken(db, tokenId);
    if (!row) throw new NotFoundError('enrollment token', tokenId);
    return toEnrollmentToken(row);
  };

  return {
    insertEnrollmentToken: (input, actor) =>
      ctx.engine.transaction(async (trx) => {
        const now = ctx.clock.now();
        await trx
          .insertInto('enrollment_tokens')
          .values({
            token_id: input.tokenId,
            token_hash: input.tokenHash,
            created_by: actor,
            created_time: now,
            expires_time: now + input.lifetimeMs,
            max_uses: input.maxUses,
            tags: JSON.stringify(input.tags),
            max_task_count: input.maxTaskCount,
            enable_worker: input.enableWorker ? 1 : 0,
          })
          .execute();
        const { tokenHash: _secret, tokenId, ...details } = input;
        await audit(ctx, trx, { actor, action: 'create-enrollment-token', targetType: 'enrollment-token', targetId: tokenId, details });
        return load(trx, tokenId);
      }),

    findEnrollmentToken: (tokenId) =>
      ctx.engine.read(async (db) => {
        const row = await selectToken(db, tokenId);
        return row ? { ...toEnrollmentToken(row), tokenHash: row.token_hash } : undefined;
      }),

    listEnrollmentTokens: () =>
      ctx.engine.read(async (db) =>
        (await db.selectFrom('enrollment_tokens').selectAll().orderBy('created_time').orderBy('token_id').execute()).map(toEnrollmentToken),
      ),

    revokeEnrollmentToken: (tokenId, actor) =>
      ctx.engine.transaction(async (trx) => {
        const result = await trx
          .updateTable('enrollment_tokens')
          .set({ revoked_time: ctx.clock.now() })
          .where('token_id', '=', tokenId)
          .where('revoked_time', 'is', null)
          .executeTakeFirst();
        const token = await load(trx, tokenId);
        // Already revoked: nothing to do, nothing to audit.
        if (Number(result.numUpdatedRows) > 0) {
          await audit(ctx, trx, { actor, action: 'revoke-enrollment-token', targetType: 'enrollment-token', targetId: tokenId });
        }
        return token;
      }),

    enrollWorkerAgent: (tokenId, input) =>
      ctx.engine.transaction(async (trx) => {
        const now = ctx.clock.now();
        // The check and the count in one statement: of two enrollments racing for the last use, one updates nothing.
        const spent = await trx
          .updateTable('enrollment_tokens')
          .set((eb) => ({ use_count: eb('use_count', '+', 1), last_used_time: now }))
          .where('token_id', '=', tokenId)
          .where('revoked_time', 'is', null)
          .where('expires_time', '>', now)
          .whereRef('use_count', '<', 'max_uses')
          .executeTakeFirst();
        const row = await selectToken(trx, tokenId);
        if (!row) throw new EnrollmentRefusedError('unknown');
        if (Number(spent.numUpdatedRows) === 0) {
          const state = enrollmentTokenState(toEnrollmentToken(row), now);
          throw new EnrollmentRefusedError(state === 'active' ? 'used-up' : state);
        }
        const token = toEnrollmentToken(row);
        const actor = `enrollment-token:${tokenId}`;
        const worker = await insertWorkerAgent(
          ctx,
          trx,
          { ...input, tags: token.tags, maxTaskCount: token.maxTaskCount ?? undefined, enabled: token.enableWorker },
          actor,
        );
        await audit(ctx, trx, {
          actor,
          action: 'use-enrollment-token',
          targetType: 'enrollment-token',
          targetId: tokenId,
          details: { workerAgentId: worker.workerAgentId, use: token.useCount, of: token.maxUses },
        });
        return worker;
      }),
  };
}
