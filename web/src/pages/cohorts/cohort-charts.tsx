/**
 * The matrix read two other ways: retention curves of the cohorts the user picks (value by age, one
 * line a cohort, the weighted average beside them), and one age followed across cohorts (e.g. month
 * 1 of every cohort: is the newer business keeping customers better?). Incomplete cells are gaps.
 */
import { useId, useMemo, useState } from 'react';
import { LineChart } from '../../components/line-chart';
import { formatCount, formatMoney, formatPercent } from '../../i18n/format';
import { useI18n } from '../../i18n/i18n';
import { ageName, cohortName, shortCohortName } from './cohort-labels';
import { type CohortPeriod, type CohortShow, cellValue } from './cohort-options';
import type { CohortRow } from './queries';

/** Lines a curve chart draws at most (the theme has six series colours). */
export const MAX_CURVES = 6;

interface ChartsProps {
  readonly rows: readonly CohortRow[];
  readonly averageRates: readonly (number | null)[];
  readonly period: CohortPeriod;
  readonly show: CohortShow;
  readonly currency: string;
}

function useFormat(show: CohortShow, currency: string) {
  const { locale } = useI18n();
  return useMemo(
    () => (value: number) =>
      show === 'percent'
        ? formatPercent(value, locale, 1)
        : show === 'counts'
          ? formatCount(value, locale)
          : formatMoney(value, currency, locale),
    [show, currency, locale],
  );
}

/** The first cohorts with customers, as the curves shown before the user picks. */
function defaultCohorts(rows: readonly CohortRow[]): string[] {
  return rows
    .filter((row) => row.size > 0)
    .slice(0, 3)
    .map((row) => row.cohort);
}

export function RetentionCurves({ rows, averageRates, period, show, currency }: ChartsProps) {
  const { t, locale } = useI18n();
  const legendId = useId();
  const [picked, setPicked] = useState<readonly string[] | null>(null);
  const known = new Set(rows.map((row) => row.cohort));
  const chosen = (picked ?? defaultCohorts(rows)).filter((cohort) => known.has(cohort));
  const format = useFormat(show, currency);
  const ages = rows[0]?.counts.length ?? 0;
  const categories = useMemo(() => Array.from({ length: ages }, (_, age) => String(age)), [ages]);
  const series = useMemo(() => {
    const lines = chosen.map((cohort) => {
      const row = rows.find((candidate) => candidate.cohort === cohort)!;
      return {
        name: shortCohortName(cohort, period, locale, t),
        values: categories.map((_, age) => (age < row.counts.length ? cellValue(row, age, show) : null)),
      };
    });
    // The weighted average exists for rates only (the API averages rates over complete cells).
    if (show === 'percent' && lines.length < MAX_CURVES) {
      lines.push({
        name: t('cohorts.table.average'),
        values: categories.map((_, age) => averageRates[age] ?? null),
      });
    }
    return lines;
  }, [chosen, rows, categories, show, averageRates, period, locale, t]);

  const toggle = (cohort: string, on: boolean) => {
    const next = on ? [...chosen, cohort] : chosen.filter((entry) => entry !== cohort);
    setPicked(next);
  };
  return (
    <div className="chart-card cohort-curves">
      <h2>{t('cohorts.curves.title')}</h2>
      <p className="chart-caption">{t('cohorts.curves.caption', { max: MAX_CURVES })}</p>
      <fieldset className="cohort-picker" aria-describedby={legendId}>
        <legend id={legendId} className="visually-hidden">
          {t('cohorts.curves.pick')}
        </legend>
        {rows
          .filter((row) => row.size > 0)
          .map((row) => {
            const on = chosen.includes(row.cohort);
            return (
              <label key={row.cohort} className="cohort-chip">
                <input
                  type="checkbox"
                  checked={on}
                  disabled={!on && chosen.length >= MAX_CURVES}
                  onChange={(event) => toggle(row.cohort, event.target.checked)}
                />
                <span title={cohortName(row.cohort, period, locale, t)}>
                  {shortCohortName(row.cohort, period, locale, t)}
                </span>
              </label>
            );
          })}
      </fieldset>
      {series.length > 0 && categories.length >= 2 ? (
        <LineChart
          label={t('cohorts.curves.title')}
          categories={categories}
          series={series}
          format={format}
          categoryHeading={t('cohorts.curves.age')}
        />
      ) : (
        <p className="chart-caption">{t('cohorts.curves.empty')}</p>
      )}
    </div>
  );
}

export function AgeTrend({ rows, period, show, currency }: Omit<ChartsProps, 'averageRates'>) {
  const { t, locale } = useI18n();
  const ages = rows[0]?.counts.length ?? 0;
  const [age, setAge] = useState(1);
  const chosenAge = Math.min(age, Math.max(0, ages - 1));
  const format = useFormat(show, currency);
  // Cohorts for which that age exists at all (the latest cohorts are too young for it).
  const reaching = useMemo(
    () => rows.filter((row) => row.counts.length > chosenAge && row.size > 0),
    [rows, chosenAge],
  );
  const categories = useMemo(
    () => reaching.map((row) => shortCohortName(row.cohort, period, locale, t)),
    [reaching, period, locale, t],
  );
  const series = useMemo(
    () => [
      { name: ageName(chosenAge, period, t), values: reaching.map((row) => cellValue(row, chosenAge, show)) },
    ],
    [reaching, chosenAge, period, show, t],
  );
  const selectId = useId();
  const ageOptions = useMemo(() => Array.from({ length: ages }, (_, value) => value), [ages]);
  return (
    <div className="chart-card">
      <h2>{t('cohorts.trend.title')}</h2>
      <div className="field cohort-age-field">
        <label className="field-label" htmlFor={selectId}>
          {t('cohorts.trend.age')}
        </label>
        <select
          id={selectId}
          className="select select-compact"
          value={chosenAge}
          onChange={(event) => setAge(Number(event.target.value))}
        >
          {ageOptions.map((value) => (
            <option key={value} value={value}>
              {ageName(value, period, t)}
            </option>
          ))}
        </select>
      </div>
      <p className="chart-caption">{t('cohorts.trend.caption', { age: ageName(chosenAge, period, t) })}</p>
      {categories.length >= 2 ? (
        <LineChart
          label={t('cohorts.trend.title')}
          categories={categories}
          series={series}
          format={format}
          categoryHeading={t('cohorts.table.cohort')}
        />
      ) : (
        <p className="chart-caption">{t('chart.tooShort')}</p>
      )}
    </div>
  );
}
