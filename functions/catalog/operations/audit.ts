import type { Catalog } from '../catalog.js';
import type { CatalogContext } from '../context.js';
import type { CatalogTrx } from '../engine.js';
import { toAuditEntry } from '../rows.js';

/** Records a topology change in the same transaction as the change itself. */
export async function audit(
  ctx: CatalogContext,
  trx: CatalogTrx,
  entry: { actor: string; action: string; targetType: string; targetId: string | number; details?: Record<string, unknown> },
): Promise<void> {
  await trx
    .insertInto('audit_trail')
    .values({
      occurred_time: ctx.clock.now(),
      actor: entry.actor,
      action: entry.action,
      target_type: entry.targetType,
      target_id: String(entry.targetId),
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}

export function auditOperations(ctx: CatalogContext): Pick<Catalog, 'listAuditTrail'> {
  return {
    async listAuditTrail(page) {
      const rows = await ctx.engine.read((db) =>
        db.selectFrom('audit_trail').selectAll().orderBy('audit_id', 'desc').limit(page.limit + 1).offset(page.offset).execute(),
      );
      return {
        items: rows.slice(0, page.limit).map(toAuditEntry),
        nextOffset: rows.length > page.limit ? page.offset + page.limit : null,
      };
    },
  };
}
