import type { Command } from 'commander';
import { allCatalogEntries, catalog } from '../../diagnostics/catalog.js';
import { UsageError } from '../../diagnostics/diagnostic.js';
import { inventorySchemaJson } from '../../schema/json.js';
import type { CommandContext } from '../context.js';

export function registerInfo(program: Command, _ctx: CommandContext): void {
  program
    .command('schema')
    .description('print the JSON Schema of the inventory language (for editors: yaml-language-server)')
    .addHelpText('after', '\nExample:\n  netgen schema > schema/netgen.schema.json\n')
    .action(() => {
      process.stdout.write(`${JSON.stringify(inventorySchemaJson(), null, 2)}\n`);
    });

  program
    .command('explain')
    .description('explain a diagnostic code')
    .argument('[code]', 'e.g. NG4001; without a code, list all')
    .addHelpText('after', '\nExample:\n  netgen explain NG5005\n')
    .action((code?: string) => {
      if (!code) {
        for (const e of allCatalogEntries()) process.stdout.write(`${e.code}  ${e.title}\n`);
        return;
      }
      const e = catalog.get(code.toUpperCase());
      if (!e) throw new UsageError(`unknown diagnostic code '${code}'; 'netgen explain' lists them`);
      process.stdout.write(`${e.code}: ${e.title}\n\n${e.explanation}\n`);
      if (e.example) process.stdout.write(`\nExample of the mistake:\n${e.example.split('\n').map((l) => `    ${l}`).join('\n')}\n`);
      if (e.fix) process.stdout.write(`\nFix: ${e.fix}\n`);
    });
}
