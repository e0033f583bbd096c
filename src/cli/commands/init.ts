import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../diagnostics/diagnostic.js';
import { inventorySchemaJson } from '../../schema/json.js';
import type { CommandContext } from '../context.js';

/**
 * A starter inventory that builds cleanly: two hosts, one tenant over VXLAN, IPv4 and IPv6. The
 * first line points yaml-language-server (VS Code's YAML extension, any LSP editor) at the schema
 * written beside it, so completion and errors work offline.
 */
function starter(name: string): string {
  return `# yaml-language-server: $schema=../schema/netgen.schema.json
#
# Starter inventory written by \`netgen init\`. Build it with:
#   netgen build inventories/${name}.yaml        # writes out/${name}/
# \`netgen explain CODE\` explains any diagnostic; \`netgen show node01\` previews one host.
description: Two hosts carrying one tenant over a point-to-point VXLAN
tenants:
  blue: { vni: 100, cidrs: [10.20.0.0/24, "fd00:20::/64"] }
sites:
  lab:
    hosts:
      node01:
        management_address: 192.0.2.11
        nics: { eth1: { address: 192.0.2.11/24 } }
        tenants:
          blue: { addresses: [10.20.0.11, "fd00:20::11"] }
      node02:
        management_address: 192.0.2.12
        nics: { eth1: { address: 192.0.2.12/24 } }
        tenants:
          blue: { addresses: [10.20.0.12, "fd00:20::12"] }
checks:
  - reach: { from: node01/blue, to: 10.20.0.12 }
`;
}

export function registerInit(program: Command, _ctx: CommandContext): void {
  program
    .command('init')
    .description('write a starter inventory (and the JSON Schema for editor completion) into DIR')
    .argument('[dir]', 'project directory', '.')
    .option('-n, --name <name>', 'inventory name', 'site')
    .option('-f, --force', 'overwrite existing files')
    .addHelpText('after', '\nExample:\n  netgen init my-network && cd my-network && netgen build\n')
    .action((dir: string, flags: { name: string; force?: boolean }) => {
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(flags.name)) throw new UsageError(`--name '${flags.name}': use letters, digits, '-', '_' and '.'`);
      const inv = path.join(dir, 'inventories', `${flags.name}.yaml`);
      const schema = path.join(dir, 'schema', 'netgen.schema.json');
      for (const f of [inv, schema]) if (existsSync(f) && !flags.force) throw new UsageError(`${f} exists; use --force to overwrite`);
      mkdirSync(path.dirname(inv), { recursive: true });
      mkdirSync(path.dirname(schema), { recursive: true });
      writeFileSync(inv, starter(flags.name));
      writeFileSync(schema, `${JSON.stringify(inventorySchemaJson(), null, 2)}\n`);
      process.stdout.write(`wrote ${inv} and ${schema}\nnext: cd ${dir} && netgen build   (open the inventory in VS Code with the YAML extension for completion)\n`);
    });
}
