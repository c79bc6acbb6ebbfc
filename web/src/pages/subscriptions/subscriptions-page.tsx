/**
 * Subscriptions (shown when the workspace has any): MRR now and over time, its monthly movements
 * (new, expansion, contraction, churn, reactivation), net and gross revenue retention, and how long
 * customers keep paying (Kaplan–Meier, with the shifted-beta-geometric model's curve beside it).
 * `GET /analytics/mrr` (the numbers of `retain analyze --mode subscription`) and
 * `GET /analytics/survival` (those of `retain survival`). Each figure card carries `data-kpi` and
 * the raw `data-value`, as the Overview's do.
 */
import { useMemo } from 'react';
import { ApiError, useHasSubscriptions, useOverview } from '../../api';
import { LineChart, type LineSeries } from '../../components/line-chart';
import { ErrorMessage, Loading } from '../../components/status';
import {
  formatCount,
  formatDate,
  formatDateTime,
  formatMoney,
  formatPercent,
  formatShortPeriodLabel,
} from '../../i18n/format';
import { useI18n } from '../../i18n/i18n';
import { type Movement, type MrrAnswer, type SurvivalAnswer, useMrr, useSurvival } from './queries';
import { monthsCovered, survivalByMonth } from './survival-curve';

function Figure(props: {
  readonly field: string;
  readonly value: number | null;
  readonly label: string;
  readonly shown: string;
  readonly note: string;
}) {
  return (
    <li
      className="kpi subscription-figure"
      data-kpi={props.field}
      data-value={props.value === null ? 'null' : String(props.value)}
    >
      <p className="kpi-label">{props.label}</p>
      <p className="kpi-value">{props.shown}</p>
      <p className="kpi-change">{props.note}</p>
    </li>
  );
}

function Figures({
  mrr,
  survival,
  currency,
}: {
  readonly mrr: NonNullable<MrrAnswer['mrr']>;
  readonly survival: SurvivalAnswer | undefined;
  readonly currency: string;
}) {
  const { t, locale } = useI18n();
  const last: Movement | undefined = mrr.movements[mrr.movements.length - 1];
  const month = last ? formatShortPeriodLabel(last.month, locale, t) : '';
  const all = survival?.groups[0];
  const rate = (value: number | null | undefined) =>
    value === null || value === undefined ? '—' : formatPercent(value, locale);
  return (
    <ul className="kpi-grid" aria-label={t('subscriptions.figures')}>
      <Figure
        field="mrr"
        value={mrr.current}
        label={t('subscriptions.mrr')}
        shown={formatMoney(mrr.current, currency, locale)}
        note={t('subscriptions.mrr.note')}
      />
      <Figure
        field="nrr"
        value={last?.nrr ?? null}
        label={t('subscriptions.nrr')}
        shown={rate(last?.nrr)}
        note={last ? t('subscriptions.inMonth', { month }) : t('subscriptions.noMonth')}
      />
      <Figure
        field="grr"
        value={last?.grr ?? null}
        label={t('subscriptions.grr')}
        shown={rate(last?.grr)}
        note={last ? t('subscriptions.inMonth', { month }) : t('subscriptions.noMonth')}
      />
      {all && (
        <Figure
          field="medianLifetime"
          value={all.medianLifetime}
          label={t('subscriptions.median')}
          shown={
            all.medianLifetime === null
              ? t('subscriptions.median.notReached')
              : t('subscriptions.months', {
                  months: new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(
                    all.medianLifetime,
                  ),
                })
          }
          note={t('subscriptions.median.note', { customers: formatCount(all.customers, locale) })}
        />
      )}
    </ul>
  );
}

function MrrCharts({
  movements,
  currency,
}: {
  readonly movements: readonly Movement[];
  readonly currency: string;
}) {
  const { t, locale } = useI18n();
  const categories = useMemo(
    () => movements.map((movement) => formatShortPeriodLabel(movement.month, locale, t)),
    [movements, locale, t],
  );
  const money = useMemo(() => (value: number) => formatMoney(value, currency, locale), [currency, locale]);
  const percent = useMemo(() => (value: number) => formatPercent(value, locale, 0), [locale]);
  const mrrSeries = useMemo(
    () => [{ name: t('subscriptions.mrr'), values: movements.map((movement) => movement.mrrEnd) }],
    [movements, t],
  );
  // Gains up, losses down: contraction and churn drawn below zero.
  const movementSeries = useMemo(
    () => [
      {
        name: t('subscriptions.movement.new'),
        values: movements.map((m) => m.new),
        type: 'bar' as const,
        stack: 'movements',
      },
      {
        name: t('subscriptions.movement.expansion'),
        values: movements.map((m) => m.expansion),
        type: 'bar' as const,
        stack: 'movements',
      },
      {
        name: t('subscriptions.movement.reactivation'),
        values: movements.map((m) => m.reactivation),
        type: 'bar' as const,
        stack: 'movements',
      },
      {
        name: t('subscriptions.movement.contraction'),
        values: movements.map((m) => -m.contraction),
        type: 'bar' as const,
        stack: 'movements',
      },
      {
        name: t('subscriptions.movement.churn'),
        values: movements.map((m) => -m.churn),
        type: 'bar' as const,
        stack: 'movements',
      },
    ],
    [movements, t],
  );
  const retentionSeries = useMemo(
    () => [
      { name: t('subscriptions.nrr'), values: movements.map((movement) => movement.nrr) },
      { name: t('subscriptions.grr'), values: movements.map((movement) => movement.grr) },
    ],
    [movements, t],
  );
  if (movements.length < 2) return <p className="chart-caption">{t('chart.tooShort')}</p>;
  return (
    <>
      <div className="chart-card">
        <h2>{t('subscriptions.mrrChart')}</h2>
        <p className="chart-caption">{t('subscriptions.mrrChart.caption')}</p>
        <LineChart
          label={t('subscriptions.mrrChart')}
          categories={categories}
          series={mrrSeries}
          format={money}
          categoryHeading={t('chart.period')}
        />
      </div>
      <div className="chart-card">
        <h2>{t('subscriptions.movements')}</h2>
        <p className="chart-caption">{t('subscriptions.movements.caption')}</p>
        <LineChart
          label={t('subscriptions.movements')}
          categories={categories}
          series={movementSeries}
          format={money}
          categoryHeading={t('chart.period')}
        />
      </div>
      <div className="chart-card">
        <h2>{t('subscriptions.retention')}</h2>
        <p className="chart-caption">{t('subscriptions.retention.caption')}</p>
        <LineChart
          label={t('subscriptions.retention')}
          categories={categories}
          series={retentionSeries}
          format={percent}
          categoryHeading={t('chart.period')}
        />
      </div>
    </>
  );
}

function SurvivalChart({ survival }: { readonly survival: SurvivalAnswer }) {
  const { t, locale } = useI18n();
  const group = survival.groups[0];
  const months = group ? monthsCovered(group.curve) : 0;
  const categories = useMemo(() => Array.from({ length: months + 1 }, (_, month) => String(month)), [months]);
  const series = useMemo(() => {
    if (!group) return [];
    const lines: LineSeries[] = [
      {
        name: t('subscriptions.survival.observed'),
        values: survivalByMonth(group.curve, months).map((value) => value * 100),
      },
    ];
    if ('projection' in group.sbg) {
      // The model's curve: 100 % at month 0, then its projection (24 months by default).
      const projection = group.sbg.projection;
      lines.push({
        name: t('subscriptions.survival.model'),
        values: categories.map((_, month) => {
          if (month === 0) return 100;
          const point = projection[month - 1];
          return point ? point.survival * 100 : null;
        }),
      });
    }
    return lines;
  }, [group, months, categories, t]);
  const percent = useMemo(() => (value: number) => formatPercent(value, locale, 0), [locale]);
  return (
    <div className="chart-card">
      <h2>{t('subscriptions.survival')}</h2>
      <p className="chart-caption">
        {t('subscriptions.survival.caption', { asOf: formatDate(survival.asOf, locale) })}
      </p>
      {months >= 1 ? (
        <LineChart
          label={t('subscriptions.survival')}
          categories={categories}
          series={series}
          format={percent}
          categoryHeading={t('subscriptions.survival.month')}
        />
      ) : (
        <p className="chart-caption">{t('chart.tooShort')}</p>
      )}
    </div>
  );
}

export default function SubscriptionsPage() {
  const { t, locale } = useI18n();
  // Asked first (the header asked already: cached), so a page opened by its address in a workspace
  // without subscriptions says so without two failing requests in the console.
  const hasSubscriptions = useHasSubscriptions();
  const mrr = useMrr(hasSubscriptions.data === true);
  const survival = useSurvival(hasSubscriptions.data === true);
  const overview = useOverview({ period: 'month' });
  const currency = overview.data?.currency ?? 'USD';
  const data = mrr.data;
  const noSubscriptions =
    hasSubscriptions.data === false || (mrr.error instanceof ApiError && mrr.error.status === 404);
  return (
    <>
      <div className="page-head">
        <h1 className="page-title">{t('subscriptions.title')}</h1>
        {data && (
          <p className="freshness" data-computed-at={data.computedAt}>
            {t('subscriptions.freshness', { computedAt: formatDateTime(data.computedAt, locale) })}
          </p>
        )}
      </div>
      {noSubscriptions && <p className="notice">{t('subscriptions.empty')}</p>}
      {mrr.isError && !noSubscriptions && (
        <ErrorMessage error={mrr.error} onRetry={() => void mrr.refetch()} />
      )}
      {hasSubscriptions.isError && (
        <ErrorMessage error={hasSubscriptions.error} onRetry={() => void hasSubscriptions.refetch()} />
      )}
      {(hasSubscriptions.isPending || (mrr.isPending && hasSubscriptions.data === true)) && <Loading />}
      {data?.mrr && <Figures mrr={data.mrr} survival={survival.data} currency={currency} />}
      {data?.mrr && (
        <section className="charts" aria-label={t('subscriptions.charts')}>
          <MrrCharts movements={data.mrr.movements} currency={currency} />
          {survival.data && <SurvivalChart survival={survival.data} />}
          {survival.isError && !noSubscriptions && (
            <ErrorMessage error={survival.error} onRetry={() => void survival.refetch()} />
          )}
        </section>
      )}
    </>
  );
}
