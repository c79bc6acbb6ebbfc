/**
 * `retain import <file> --type customers|orders|subscriptions|events [--format auto|generic|shopify|stripe]
 * [--encoding utf-8|latin1|windows-1252] [--map field=Column,…] [--delimiter ,|;|tab|'|'] [--decimal .|,]
 * [--date-format …] [--workspace <id>] [--skip-invalid] [--json]`: imports a CSV file into the store
 * `DATABASE_URL` names; the layout (with `--format auto`) and the dialect are detected and said. A file with an invalid row is rejected whole (exit 2, every problem listed by line and
 * column, the first 100); `--skip-invalid` writes the valid rows and `<file>.rejects.csv`.
 * Re-running the same file changes nothing; re-running after a crash finishes the import.
 */
import type { Command } from 'commander';
// Straight from import.types.ts, not imports/index.ts: the index also loads the readers, the
// import service and the database, which the help of every command would then wait for.
import { IMPORT_FORMATS, IMPORT_TYPES } from '../../imports/import.types.js';
import { collect } from '../repeatable.js';

export interface ImportFlags {
  type?: string;
  format: string;
  encoding?: string;
  map?: string[];
  delimiter?: string;
  decimal?: string;
  dateFormat?: string;
  workspace?: string;
  skipInvalid?: boolean;
  json?: boolean;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('Import a CSV file (customers, orders, subscriptions or events) into a workspace')
    .argument('<file>', 'the CSV file: generic columns (docs/imports.md), a Shopify or a Stripe export')
    .requiredOption('--type <type>', `what the file holds: ${IMPORT_TYPES.join('|')}`)
    .option(
      '--format <format>',
      `which tool wrote it: ${IMPORT_FORMATS.join('|')} (auto: recognised by its header, as retain analyze does)`,
      'auto',
    )
    .option(
      '--encoding <encoding>',
      'text encoding of the file: utf-8|latin1|windows-1252 (a file with bytes that are not UTF-8 is refused, naming the line)',
      'utf-8',
    )
    .option(
      '--map <pairs>',
      'name the columns of the fields, e.g. customer_id=Email,ordered_at="Created at" (repeatable)',
      collect,
    )
    .option('--delimiter <char>', 'field separator: , ; | or tab (default: detected from the header)')
    .option('--decimal <char>', 'decimal separator of amounts: . or , (default: detected from the rows)')
    .option('--date-format <format>', 'YYYY-MM-DD|DD/MM/YYYY|MM/DD/YYYY|DD.MM.YYYY (default: detected)')
    .option('--workspace <id>', 'workspace id or slug (may be left out when there is only one)')
    .option('--skip-invalid', 'write the valid rows; list the invalid ones in <file>.rejects.csv')
    .option('--json', 'print the outcome as one JSON object')
    .action(async (file: string, flags: ImportFlags) => {
      const { runImportCommand } = await import('./import.run.js');
      process.stdout.write(await runImportCommand(file, flags));
    });
}
