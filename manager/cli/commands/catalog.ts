import type { Command } from 'commander';
import { configureCatalog, listCatalogProperties } from '../../../contracts/management/endpoints.js';
import type { CatalogPropertyView } from '../../../contracts/management/views.js';
import type { CommandContext } from '../context.js';
import type { Output } from '../output/output.js';
import { examples, ssisdb } from './help-text.js';

export function registerCatalogCommands(program: Command, ctx: CommandContext): void {
  const catalog = program
    .command('catalog')
    .summary("the catalog's settings: retention, cleanup, project versions kept")
    .description("The catalog's properties: how long finished executions are kept and how many versions of each project.");

  catalog
    .command('properties')
    .summary("list the catalog's properties and their values")
    .description("List the catalog's properties, their values and what each means." + ssisdb('catalog.catalog_properties'))
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout catalog properties']))
    .action(async (options: { json?: boolean }) => {
      const out = ctx.output(options);
      const answer = await ctx.api().call(listCatalogProperties, {});
      if (out.json) return out.data(answer);
      printProperties(out, answer.properties);
    });

  catalog
    .command('configure')
    .summary('set a catalog property (admin)')
    .description(
      'Set one catalog property. RETENTION_WINDOW: days a finished execution is kept (at least 1); ' +
        'OPERATION_CLEANUP_ENABLED: true or false (false keeps finished executions for ever); MAX_PROJECT_VERSIONS: ' +
        'versions kept per project (at least 1; the next deploy removes the ones beyond it).' +
        ssisdb('configure_catalog'),
    )
    .argument('<property>', 'RETENTION_WINDOW, OPERATION_CLEANUP_ENABLED or MAX_PROJECT_VERSIONS')
    .argument('<value>', 'its new value')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout catalog configure MAX_PROJECT_VERSIONS 5', 'scaleout catalog configure RETENTION_WINDOW 30']))
    .action(async (propertyName: string, value: string, options: { json?: boolean }) => {
      const out = ctx.output(options);
      const answer = await ctx.api().call(configureCatalog, { params: { propertyName }, body: { value } }, { flags: { value: '<value>' } });
      if (out.json) return out.data(answer);
      const set = answer.properties.find((property) => property.propertyName === propertyName);
      out.line(`${propertyName} is now ${set?.propertyValue ?? value}.`);
    });
}

function printProperties(out: Output, properties: readonly CatalogPropertyView[]): void {
  out.table(properties, [
    { header: 'PROPERTY', value: (p) => p.propertyName },
    { header: 'VALUE', value: (p) => p.propertyValue ?? '' },
    { header: 'MEANING', value: (p) => p.description },
  ]);
}
