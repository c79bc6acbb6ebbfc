/**
 * Renders a `RetentionReport` as the readable tables `retain analyze` prints. Rounding happens here
 * and only here (the report itself holds unrounded numbers). Colour is used only when the output is
 * a terminal that supports it (picocolors honours NO_COLOR and FORCE_COLOR).
 */
import Table from 'cli-table3';
import colors from 'picocolors';
import type { ReportCohortRow, RetentionReport } from '../../core/index.js';
import { type DetectedDialect, describeDialect } from '../../csv/index.js';

const MAX_COHORT_ROWS = 36;
const MAX_COHORT_COLUMNS = 24;

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function formatInteger(value: number): string {
  return integer.format(value);
}

export function formatMoney(value: number | null): string {
  return value === null ? '–' : money.format(value);
}

export function formatPercent(value: number | null, digits = 1): string {
  return value === null ? '–' : `${value.toFixed(digits)} %`;
}

/** A table whose numeric columns are right-aligned; the first column is a label unless `numbersOnly`. */
function table(head: string[], options: { numbersOnly?: boolean } = {}): Table.Table {
  return new Table({
    head,
    style: { head: colors.isColorSupported ? ['cyan'] : [], border: colors.isColorSupported ? ['grey'] : [] },
    colAligns: head.map((_, index) => (index === 0 && !options.numbersOnly ? 'left' : 'right')),
  });
}

/** Background shade for a retention percentage: darker green is better. Plain text without colour. */
function shade(rate: number | null, text: string): string {
  if (!colors.isColorSupported || rate === null) return text;
  // xterm-256 greens from dark grey (0 %) to bright green (100 %).
  const palette = [236, 22, 28, 34, 40, 46];
  const step = Math.min(palette.length - 1, Math.floor((rate / 100) * (palette.length - 1) + 0.5));
  const foreground = step >= 4 ? 30 : 97;
  return `\x1b[48;5;${palette[step]}m\x1b[${foreground}m${text}\x1b[0m`;
}

function heading(text: string): string {
  return colors.isColorSupported ? colors.bold(text) : text;
}

function cohortTable(
  allRows: readonly ReportCohortRow[],
  average: { rates: readonly (number | null)[] },
): string {
  // Periods in which nobody was acquired carry no information in a table (the JSON keeps them).
  const rows = allRows.filter((row) => row.size > 0);
  const shown = rows.slice(-MAX_COHORT_ROWS);
  const width = Math.min(MAX_COHORT_COLUMNS, Math.max(0, ...shown.map((row) => row.rates.length)));
  const cohorts = table(['cohort', 'size', ...Array.from({ length: width }, (_, k) => `+${k}`)]);
  for (const row of shown) {
    cohorts.push([
      row.cohort,
      formatInteger(row.size),
      ...Array.from({ length: width }, (_, k) => {
        if (k >= row.rates.length) return '';
        const rate = row.rates[k] ?? null;
        return shade(rate, rate === null ? '' : rate.toFixed(1));
      }),
    ]);
  }
  cohorts.push([
    heading('average'),
    '',
    ...Array.from({ length: width }, (_, k) => {
      const rate = average.rates[k] ?? null;
      return rate === null ? '' : rate.toFixed(1);
    }),
  ]);
  const notes: string[] = [];
  if (rows.length > shown.length) notes.push(`showing the latest ${shown.length} of ${rows.length} cohorts`);
  const widest = Math.max(0, ...rows.map((row) => row.rates.length));
  if (widest > width) notes.push(`showing periods +0 to +${width - 1} of ${widest}`);
  return cohorts.toString() + (notes.length > 0 ? `\n(${notes.join('; ')}; --json prints everything)` : '');
}

/** The whole report as text. */
export function renderReport(
  report: RetentionReport,
  source: {
    file: string;
    format: string;
    columns?: Readonly<Record<string, string>>;
    dialect?: DetectedDialect;
    rows: number;
    skipped: readonly { reason: string; count: number }[];
  },
): string {
  const out: string[] = [];
  out.push(
    `${heading('Retain')} — ${source.file} (${source.format}): ${formatInteger(source.rows)} rows, ${report.mode} mode, ` +
      `time zone ${report.timeZone}, data ${report.dataStart.slice(0, 10)} → ${report.dataEnd.slice(0, 10)}`,
  );
  // Stripe's export names the start `Start Date (UTC)` or `Start (UTC)`: say which was read.
  const startColumn = source.format === 'stripe' ? source.columns?.started_at : undefined;
  if (startColumn !== undefined) out.push(`Subscription starts read from "${startColumn}".`);
  const dialect = source.dialect === undefined ? null : describeDialect(source.dialect);
  if (dialect !== null) out.push(dialect);
  if (source.skipped.length > 0) {
    const reasons = source.skipped.map((skip) => `${formatInteger(skip.count)} ${skip.reason}`).join('; ');
    out.push(`Left out on purpose: ${reasons}.`);
  }

  if (report.retention) {
    const r = report.retention;
    const period = r.label
      ? `${r.label} (${r.from.slice(0, 10)} → ${r.to.slice(0, 10)})`
      : `${r.from.slice(0, 10)} → ${r.to.slice(0, 10)}`;
    out.push('', heading(`Retention, ${period}`));
    const summary = table(
      [
        'S (start)',
        'E (end)',
        'N (new)',
        'CRR',
        'retained',
        'churned',
        'reactivated',
        'new, still active',
        'retention',
        'churn',
      ],
      {
        numbersOnly: true,
      },
    );
    summary.push([
      formatInteger(r.S),
      formatInteger(r.E),
      formatInteger(r.N),
      formatPercent(r.crr),
      formatInteger(r.retained),
      formatInteger(r.churned),
      formatInteger(r.reactivated),
      formatInteger(r.newActiveAtEnd),
      formatPercent(r.retentionRate),
      formatPercent(r.churnRate),
    ]);
    out.push(summary.toString());
    out.push('CRR = (E − N) / S × 100; retention = retained / S × 100 (docs/metrics.md §2).');
  }

  if (report.series.length > 0) {
    out.push('', heading(`Retention by ${report.period}`));
    const series = table([report.period, 'S', 'E', 'N', 'CRR', 'retention', 'churn', 'reactivated']);
    for (const row of report.series) {
      series.push([
        row.label,
        formatInteger(row.S),
        formatInteger(row.E),
        formatInteger(row.N),
        formatPercent(row.crr),
        formatPercent(row.retentionRate),
        formatPercent(row.churnRate),
        formatInteger(row.reactivated),
      ]);
    }
    out.push(series.toString());
  }

  const cohorts = report.cohorts;
  out.push(
    '',
    heading(
      `Cohorts by ${cohorts.granularity} (${cohorts.kind}, ${cohorts.measure}): % of each cohort active k periods later`,
    ),
  );
  out.push(cohortTable(cohorts.rows, cohorts.average));
  for (const part of cohorts.breakdown ?? []) {
    out.push('', heading(`Cohorts where ${part.attribute} = ${part.value === '' ? '(blank)' : part.value}`));
    out.push(cohortTable(part.rows, part.average));
  }

  if (report.orders) {
    const o = report.orders;
    out.push('', heading('Orders'));
    const orders = table(
      [
        'customers',
        'orders',
        'refunds',
        'net revenue',
        'avg order value',
        'orders / customer',
        'repeat customers',
      ],
      {
        numbersOnly: true,
      },
    );
    orders.push([
      formatInteger(o.customers),
      formatInteger(o.orders),
      formatInteger(o.refunds),
      formatMoney(o.revenue),
      formatMoney(o.averageOrderValue),
      o.purchaseFrequency === null ? '–' : o.purchaseFrequency.toFixed(2),
      formatPercent(o.repeatPurchaseRate),
    ]);
    out.push(orders.toString());
  }

  if (report.mrr) {
    out.push('', heading(`MRR ${formatMoney(report.mrr.current)} at the data's end; movements by month`));
    const mrr = table([
      'month',
      'MRR start',
      'new',
      'expansion',
      'contraction',
      'churn',
      'reactivation',
      'MRR end',
      'NRR',
      'GRR',
    ]);
    for (const m of report.mrr.movements) {
      mrr.push([
        m.month,
        formatMoney(m.mrrStart),
        formatMoney(m.new),
        formatMoney(m.expansion),
        formatMoney(m.contraction),
        formatMoney(m.churn),
        formatMoney(m.reactivation),
        formatMoney(m.mrrEnd),
        formatPercent(m.nrr),
        formatPercent(m.grr),
      ]);
    }
    out.push(mrr.toString());
  }

  if (report.rfm) {
    const total = report.rfm.segments.reduce((sum, segment) => sum + segment.customers, 0);
    out.push('', heading(`RFM segments as of ${report.rfm.asOf.slice(0, 10)}`));
    const segments = table(['segment', 'customers', 'share', 'revenue']);
    for (const segment of report.rfm.segments) {
      segments.push([
        segment.name,
        formatInteger(segment.customers),
        formatPercent(total === 0 ? null : (segment.customers / total) * 100),
        formatMoney(segment.revenue),
      ]);
    }
    out.push(segments.toString());
  }

  if (report.clv.historical.customers > 0) {
    const h = report.clv.historical;
    out.push('', heading(`Historical customer value (margin ${report.clv.margin})`));
    const clv = table(['customers', 'total', 'mean', 'median'], { numbersOnly: true });
    clv.push([formatInteger(h.customers), formatMoney(h.total), formatMoney(h.mean), formatMoney(h.median)]);
    out.push(clv.toString());
  }

  for (const note of report.notes) out.push('', `Note: ${note}`);
  return `${out.join('\n')}\n`;
}
