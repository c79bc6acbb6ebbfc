/**
 * `retain churn train <table.csv> --label <column>` and `retain churn score <table.csv> --model
 * model.json`: the churn classifier (L2-regularised logistic regression, `core/risk`) on any
 * customer table. Training prints the 5-fold cross-validated AUC (mean and per fold), accuracy,
 * the blanks found per column and the top drivers, and can save the model; scoring applies a saved
 * model to another file.
 */
import type { Command } from 'commander';

export interface ChurnTrainFlags {
  label: string;
  id?: string;
  positive?: string;
  l2: string;
  save?: string;
  json?: boolean;
}

export interface ChurnScoreFlags {
  model: string;
  id?: string;
  json?: boolean;
}

export function registerChurn(program: Command): void {
  const churn = program
    .command('churn')
    .description('Churn classifier on a customer table (logistic regression)');
  churn
    .command('train')
    .description('Cross-validated churn classifier: AUC, accuracy, blanks and top drivers')
    .argument('<table>', 'customer table CSV, one row per customer')
    .requiredOption('--label <column>', 'the column saying whether the customer churned')
    .option('--id <column>', 'customer id column (not a feature)')
    .option('--positive <value>', 'label value meaning churned (default: yes/true/1/churned, any case)')
    .option('--l2 <lambda>', 'L2 penalty on the standardised coefficients', '1')
    .option('--save <file>', 'write the model fitted on all rows to this JSON file')
    .option('--json', 'print one JSON object instead of tables')
    .action(async (file: string, flags: ChurnTrainFlags) => {
      const { runChurnTrain } = await import('./churn.run.js');
      process.stdout.write(await runChurnTrain(file, flags));
    });
  churn
    .command('score')
    .description('P(churn) for every row of a customer table with a saved model')
    .argument('<table>', 'customer table CSV with the columns the model was trained on')
    .requiredOption('--model <file>', 'model JSON written by `retain churn train --save`')
    .option('--id <column>', 'customer id column to print beside each score')
    .option('--json', 'print one JSON object instead of tables')
    .action(async (file: string, flags: ChurnScoreFlags) => {
      const { runChurnScore } = await import('./churn.run.js');
      process.stdout.write(await runChurnScore(file, flags));
    });
}
