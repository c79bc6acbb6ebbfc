/**
 * Overview: the KPIs of the chosen period against the period before, and the trends of retention
 * and of the customers at risk — one call to `GET /api/v1/analytics/overview`.
 */
import { type ReactNode, useMemo } from 'react';
import { ApiError, type Overview, useOverview } from '../../api';
import { KpiCard, type KpiChange, KpiSkeleton } from '../../components/kpi-card';
import { LineChart } from '../../components/line-chart';
import { ErrorMessage } from '../../components/status';
import {
  formatCount,
  formatDate,
  formatDateTime,
  formatDecimal,
  formatMoney,
  formatPercent,
  formatPeriodLabel,
  formatRelativeChange,
  formatShortPeriodLabel,
  formatSignedDecimal,
} from '../../i18n/format';
import { type Locale, type MessageKey, useI18n } from '../../i18n/i18n';
import { navigate, useLocation } from '../../router';
import { applicableKpis, KPI_GROUPS, type KpiDefinition, type KpiGroup, kpiChange } from './kpis';
import { PeriodPicker } from './period-picker';
import { overviewQuery, parseSelection, type Selection, selectionSearch } from './periods';

type Translate = ReturnType<typeof useI18n>['t'];
type Range = Overview['current'];

function formatKpi(kpi: KpiDefinition, value: number | null, overview: Overview, locale: Locale): string {
  if (value === null) return '—';
  if (kpi.kind === 'rate') return formatPercent(value, locale);
  if (kpi.kind === 'money') return formatMoney(value, overview.currency, locale);
  return formatCount(value, locale);
}

/** A range in words: its period name (`May 1998`) or its dates. */
function rangeName(range: Range, locale: Locale, t: Translate): string {
  if (range.label) return formatPeriodLabel(range.label, locale, t);
  return t('period.range', { from: formatDate(range.from, locale), to: formatDate(range.to, locale) });
}

function changeOf(kpi: KpiDefinition, overview: Overview, locale: Locale, t: Translate): KpiChange | null {
  const previous = overview.previous;
  if (!previous) return null;
  const change = kpiChange(kpi, overview.current.kpis[kpi.field], previous.kpis[kpi.field]);
  if (!change) return null;
  const arrow = change.direction === 'up' ? '▲' : change.direction === 'down' ? '▼' : '■';
  const signed =
    change.unit === 'points'
      ? t('change.pointsShort', { value: formatSignedDecimal(change.amount, locale) })
      : formatRelativeChange(change.amount, locale);
  // The spoken size of the change, unsigned: the words say up or down ("Down 1.9 points", not "Down +1.9").
  const magnitude =
    change.unit === 'points'
      ? t('change.points', { value: formatDecimal(Math.abs(change.amount), locale) })
      : formatPercent(Math.abs(change.amount) * 100, locale);
  const period = previous.label ? formatPeriodLabel(previous.label, locale, t) : t('change.previousRange');
  const spokenKey: MessageKey =
    change.direction === 'up'
      ? 'change.spokenUp'
      : change.direction === 'down'
        ? 'change.spokenDown'
        : 'change.spokenFlat';
  return {
    delta: `${arrow} ${signed}`,
    against: t('change.against', { period }),
    spoken: t(spokenKey, { amount: magnitude, period }),
    tone: change.tone,
  };
}

function Explanation({ kpi, overview }: { readonly kpi: KpiDefinition; readonly overview: Overview }) {
  const { t, locale } = useI18n();
  const values = {
    window: formatCount(overview.windowDays, locale),
    threshold: formatCount(overview.atRiskThreshold, locale),
  };
  if (kpi.field !== 'crr') return <p>{t(kpi.help, values)}</p>;
  const { S, E, N, crr } = overview.current.kpis;
  return (
    <>
      <p>{t(kpi.help, values)}</p>
      <p className="formula">CRR = (E − N) / S × 100</p>
      <dl>
        <dt>S</dt>
        <dd>{t('kpi.crr.S', { count: formatCount(S, locale) })}</dd>
        <dt>E</dt>
        <dd>{t('kpi.crr.E', { count: formatCount(E, locale) })}</dd>
        <dt>N</dt>
        <dd>{t('kpi.crr.N', { count: formatCount(N, locale) })}</dd>
      </dl>
      {crr !== null && (
        <p className="formula">
          ({formatCount(E, locale)} − {formatCount(N, locale)}) / {formatCount(S, locale)} × 100 ={' '}
          {formatPercent(crr, locale)}
        </p>
      )}
    </>
  );
}

function Trends({ overview }: { readonly overview: Overview }) {
  const { t, locale } = useI18n();
  const retention = overview.trends.retention;
  const atRisk = overview.trends.atRisk;
  const retentionSeries = useMemo(
    () => [
      { name: t('kpi.crr'), values: retention.map((entry) => entry.crr) },
      { name: t('kpi.retentionRate'), values: retention.map((entry) => entry.retentionRate) },
    ],
    [retention, t],
  );
  const atRiskSeries = useMemo(
    () => [{ name: t('kpi.customersAtRisk'), values: atRisk.map((entry) => entry.customersAtRisk) }],
    [atRisk, t],
  );
  const retentionLabels = useMemo(
    () => retention.map((entry) => formatShortPeriodLabel(entry.label, locale, t)),
    [retention, locale, t],
  );
  const atRiskLabels = useMemo(
    () => atRisk.map((entry) => formatShortPeriodLabel(entry.label, locale, t)),
    [atRisk, locale, t],
  );
  const percent = useMemo(() => (value: number) => formatPercent(value, locale, 0), [locale]);
  const count = useMemo(() => (value: number) => formatCount(value, locale), [locale]);
  const unit: MessageKey =
    overview.period === 'year'
      ? 'chart.byYear'
      : overview.period === 'quarter'
        ? 'chart.byQuarter'
        : 'chart.byMonth';
  const tooShort = <p className="chart-caption">{t('chart.tooShort')}</p>;
  return (
    <section className="charts" aria-label={t('chart.section')}>
      <div className="chart-card">
        <h2>{t('chart.retention.title')}</h2>
        <p className="chart-caption">{t(unit)}</p>
        {retention.length >= 2 ? (
          <LineChart
            label={t('chart.retention.title')}
            categories={retentionLabels}
            series={retentionSeries}
            format={percent}
            categoryHeading={t('chart.period')}
          />
        ) : (
          tooShort
        )}
      </div>
      {overview.hasOrders && (
        <div className="chart-card">
          <h2>{t('chart.atRisk.title')}</h2>
          <p className="chart-caption">
            {t('chart.atRisk.caption', { threshold: overview.atRiskThreshold })}
          </p>
          {atRisk.length >= 2 ? (
            <LineChart
              label={t('chart.atRisk.title')}
              categories={atRiskLabels}
              series={atRiskSeries}
              format={count}
              categoryHeading={t('chart.period')}
            />
          ) : (
            tooShort
          )}
        </div>
      )}
    </section>
  );
}

/** Placeholder cards while the first answer loads. */
const SKELETONS = Array.from({ length: 10 }, (_, index) => `skeleton-${index}`);

const GROUP_TITLES: Readonly<Record<KpiGroup, MessageKey>> = {
  retention: 'kpi.group.retention',
  revenue: 'kpi.group.revenue',
  value: 'kpi.group.value',
};

function Kpis({ overview, busy }: { readonly overview: Overview; readonly busy: boolean }) {
  const { t, locale } = useI18n();
  const noChange = overview.previous ? t('change.none') : t('change.noPrevious');
  const kpis = applicableKpis(overview);
  return (
    <div className="kpis" aria-busy={busy} data-from={overview.current.from} data-to={overview.current.to}>
      {KPI_GROUPS.map((group) => {
        const cards = kpis.filter((kpi) => kpi.group === group);
        if (cards.length === 0) return null;
        return (
          <section key={group} className="kpi-group" aria-labelledby={`kpi-group-${group}`}>
            <h2 id={`kpi-group-${group}`} className="kpi-group-title">
              {t(GROUP_TITLES[group])}
            </h2>
            <ul className="kpi-grid">
              {cards.map((kpi) => {
                const value = overview.current.kpis[kpi.field];
                return (
                  <KpiCard
                    key={kpi.field}
                    field={kpi.field}
                    value={value}
                    label={t(kpi.label)}
                    formatted={formatKpi(kpi, value, overview, locale)}
                    change={changeOf(kpi, overview, locale, t)}
                    noChange={noChange}
                    explanation={<Explanation kpi={kpi} overview={overview} />}
                  />
                );
              })}
            </ul>
          </section>
        );
      })}
    </div>
  );
}

export default function OverviewPage() {
  const { t, locale } = useI18n();
  const { search } = useLocation();
  const selection = parseSelection(search);
  const query = overviewQuery(selection);
  const overview = useOverview(query);
  const data = overview.data;
  const choose = (next: Selection) => navigate(`/${selectionSearch(next)}`);

  let body: ReactNode;
  if (data) {
    body = (
      <>
        <p className="range-caption">
          {data.previous
            ? t('period.comparing', {
                current: rangeName(data.current, locale, t),
                previous: rangeName(data.previous, locale, t),
              })
            : t('period.showing', { current: rangeName(data.current, locale, t) })}
        </p>
        {!data.current.complete && <p className="notice">{t('period.incompleteNotice')}</p>}
        <Kpis overview={data} busy={overview.isFetching} />
        <Trends overview={data} />
      </>
    );
  } else if (overview.isError) {
    body =
      overview.error instanceof ApiError && overview.error.status === 404 ? (
        <p className="notice">{t('overview.empty')}</p>
      ) : (
        <ErrorMessage error={overview.error} onRetry={() => void overview.refetch()} />
      );
  } else {
    body = (
      <div className="kpis" aria-busy="true">
        <ul className="kpi-grid" aria-label={t('status.loading')}>
          {SKELETONS.map((key) => (
            <KpiSkeleton key={key} />
          ))}
        </ul>
      </div>
    );
  }

  return (
    <>
      <div className="page-head">
        <h1 className="page-title">{t('overview.title')}</h1>
        {data && (
          <p className="freshness">
            {t('overview.freshness', {
              dataEnd: formatDate(data.dataEnd, locale),
              computedAt: formatDateTime(data.computedAt, locale),
            })}
          </p>
        )}
      </div>
      <PeriodPicker
        selection={selection}
        current={data?.current ?? null}
        dataStart={data?.dataStart ?? null}
        dataEnd={data?.dataEnd ?? null}
        onChange={choose}
      />
      {data && overview.isError && (
        <ErrorMessage error={overview.error} onRetry={() => void overview.refetch()} />
      )}
      {body}
    </>
  );
}
