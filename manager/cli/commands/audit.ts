import type { Command } from 'commander';
import { listAuditTrail } from '../../../contracts/management/endpoints.js';
import type { CommandContext } from '../context.js';
import { formatTime } from '../output/format.js';
import { examples } from './help-text.js';
import { positiveWholeNumber, wholeNumber } from './options.js';

export function registerAuditCommand(program: Command, ctx: CommandContext): void {
  program
    .command('audit')
    .summary('list the audit trail: who changed the topology, what and when (admin)')
    .description(
      'List the audit trail, newest first: every change to the topology (workers added, removed, enabled, disabled ' +
        'or edited; Scale Out enabled; projects deployed; schedules created or removed; API keys created or revoked; ' +
        'executions stopped), with who made it and the details. Needs the admin role.',
    )
    .option('--limit <n>', 'at most this many entries (1-500)', positiveWholeNumber, 50)
    .option('--offset <n>', 'skip this many (for the next page)', wholeNumber)
    .option('--json', 'print the API answer as JSON')
    .addHelpText(
      'after',
      examples([
        'scaleout audit',
        'scaleout audit --limit 20 --offset 20',
        "scaleout audit --json | jq -r '.entries[] | select(.action==\"remove-worker-agent\") | .actor'",
      ]),
    )
    .action(async (options: { limit: number; offset?: number; json?: boolean }) => {
      const out = ctx.output(options);
      const query = { limit: options.limit, ...(options.offset !== undefined ? { offset: options.offset } : {}) };
      const answer = await ctx.api().call(listAuditTrail, { query }, { flags: { 'query.limit': '--limit', 'query.offset': '--offset' } });
      if (out.json) return out.data(answer);
      if (answer.entries.length === 0) {
        out.line(options.offset ? 'No more entries.' : 'The audit trail is empty: nothing has changed the topology yet.');
        return;
      }
      const now = ctx.io.clock.now();
      out.table(answer.entries, [
        { header: 'TIME', value: (e) => formatTime(e.occurredTime, now) },
        { header: 'ACTOR', value: (e) => e.actor },
        { header: 'ACTION', value: (e) => e.action },
        { header: 'TARGET', value: (e) => `${e.targetType} ${e.targetId}` },
        { header: 'DETAILS', value: (e) => (Object.keys(e.details).length === 0 ? '-' : JSON.stringify(e.details)) },
      ]);
      if (answer.nextOffset !== null) out.note(`More: scaleout audit --offset ${answer.nextOffset}`);
    });
}
