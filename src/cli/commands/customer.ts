/**
 * `retain customer export <externalId> [--workspace <id>]` prints everything held about one
 * customer as JSON; `retain customer erase <externalId> [--workspace <id>] [--yes]` erases their
 * personal data (aggregates kept). Both are recorded in the audit log with the `system` actor.
 * An erased customer is found by its pseudonym `erased:<id>`.
 */
import type { Command } from 'commander';

export interface ExportFlags {
  workspace?: string;
}

export interface EraseFlags {
  workspace?: string;
  yes?: boolean;
}

export function registerCustomer(program: Command): void {
  const customer = program
    .command('customer')
    .description('Export or erase one customer’s data (privacy requests)');
  customer
    .command('export')
    .description('Print everything held about one customer as JSON (audited)')
    .argument('<externalId>', 'the customer’s external id (its id in your shop or billing system)')
    .option('--workspace <id>', 'workspace id or slug (default: the only workspace)')
    .action(async (externalId: string, flags: ExportFlags) => {
      const { runCustomerExport } = await import('./customer.run.js');
      process.stdout.write(await runCustomerExport(externalId, flags));
    });
  customer
    .command('erase')
    .description('Erase one customer’s personal data everywhere, keeping aggregates (audited, idempotent)')
    .argument('<externalId>', 'the customer’s external id')
    .option('--workspace <id>', 'workspace id or slug (default: the only workspace)')
    .option('--yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .action(async (externalId: string, flags: EraseFlags) => {
      const { runCustomerErase } = await import('./customer.run.js');
      process.stdout.write(await runCustomerErase(externalId, flags));
    });
}
