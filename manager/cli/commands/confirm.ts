import type { CommandContext } from '../context.js';
import { CliError, ExitCode, usageError } from '../errors.js';

/**
 * Asks "… [y/N]" before a change that is hard to undo. `--yes` skips it; without a terminal to ask on, the
 * command refuses rather than guess.
 */
export async function confirm(ctx: CommandContext, question: string, options: { yes: boolean | undefined; action: string }): Promise<void> {
  if (options.yes) return;
  if (!ctx.io.interactive) {
    throw usageError(`${options.action} needs a confirmation and stdin is not a terminal: pass --yes to confirm`);
  }
  const answer = (await ctx.io.prompt(`${question} [y/N] `)).trim();
  if (!/^y(es)?$/i.test(answer)) throw new CliError('Canceled: nothing was changed.', ExitCode.declined);
}
