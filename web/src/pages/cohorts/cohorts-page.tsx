/**
 * Cohorts: the cohort matrix as a heatmap table (classic or rolling, first-time or recurring, as
 * percentages, counts or revenue, by day, week, month or quarter, overall or for one value of a
 * customer attribute), a click on a cell listing its customers, the retention curves of chosen
 * cohorts, and one age followed across cohorts. One call to `GET /api/v1/analytics/cohorts`; the
 * choices live in the URL.
 */
import { type ReactNode, useId, useState } from 'react';
import { ApiError, useOverview } from '../../api';
import { ErrorMessage, Loading } from '../../components/status';
import { formatDateTime } from '../../i18n/format';
import { type MessageKey, useI18n } from '../../i18n/i18n';
import { navigate, useLocation } from '../../router';
import { CellCustomers } from './cell-customers';
import { AgeTrend, RetentionCurves } from './cohort-charts';
import { CohortHeatmap } from './cohort-heatmap';
import {
  COHORT_BREAKDOWNS,
  COHORT_KINDS,
  COHORT_MEASURES,
  COHORT_PERIODS,
  COHORT_SHOWS,
  type CohortMode,
  type CohortSelection,
  cohortSearch,
  cohortsQuery,
  parseCohortSelection,
  shownMatrix,
} from './cohort-options';
import { type CohortCell, useCohorts } from './queries';

const NAMES: Readonly<Record<string, MessageKey>> = {
  day: 'cohorts.period.day',
  week: 'cohorts.period.week',
  month: 'cohorts.period.month',
  quarter: 'cohorts.period.quarter',
  'first-time': 'cohorts.kind.firstTime',
  recurring: 'cohorts.kind.recurring',
  classic: 'cohorts.measure.classic',
  rolling: 'cohorts.measure.rolling',
  percent: 'cohorts.show.percent',
  counts: 'cohorts.show.counts',
  revenue: 'cohorts.show.revenue',
  country: 'cohorts.by.country',
  language: 'cohorts.by.language',
  time_zone: 'cohorts.by.timeZone',
  transactional: 'cohorts.mode.transactional',
  subscription: 'cohorts.mode.subscription',
};

/** A group of radio buttons that looks like a segmented control. */
function Segmented<Value extends string>(props: {
  readonly legend: string;
  readonly name: string;
  readonly options: readonly Value[];
  readonly value: Value;
  readonly onChange: (value: Value) => void;
}) {
  const { t } = useI18n();
  return (
    <fieldset className="segmented">
      <legend className="visually-hidden">{props.legend}</legend>
      {props.options.map((option) => (
        <label key={option}>
          <input
            type="radio"
            name={props.name}
            value={option}
            checked={props.value === option}
            onChange={() => props.onChange(option)}
          />
          <span>{t(NAMES[option]!)}</span>
        </label>
      ))}
    </fieldset>
  );
}

function Controls(props: {
  readonly selection: CohortSelection;
  readonly modes: readonly CohortMode[];
  readonly mode: CohortMode;
  readonly values: readonly string[];
  readonly onChange: (next: CohortSelection) => void;
}) {
  const { selection, modes, mode, values, onChange } = props;
  const { t } = useI18n();
  const periodId = useId();
  const byId = useId();
  const valueId = useId();
  const change = (patch: Partial<CohortSelection>) => onChange({ ...selection, ...patch });
  return (
    <form
      className="cohort-controls"
      aria-label={t('cohorts.controls')}
      onSubmit={(event) => event.preventDefault()}
    >
      {modes.length > 1 && (
        <Segmented
          legend={t('cohorts.mode.label')}
          name="cohort-mode"
          options={modes}
          value={mode}
          onChange={(next) => change({ mode: next, value: null })}
        />
      )}
      <div className="field">
        <label className="field-label" htmlFor={periodId}>
          {t('cohorts.period.label')}
        </label>
        <select
          id={periodId}
          className="select"
          value={selection.period}
          onChange={(event) => change({ period: event.target.value as CohortSelection['period'] })}
        >
          {COHORT_PERIODS.map((period) => (
            <option key={period} value={period}>
              {t(NAMES[period]!)}
            </option>
          ))}
        </select>
      </div>
      <Segmented
        legend={t('cohorts.kind.label')}
        name="cohort-kind"
        options={COHORT_KINDS}
        value={selection.kind}
        onChange={(kind) => change({ kind })}
      />
      <Segmented
        legend={t('cohorts.measure.label')}
        name="cohort-measure"
        options={COHORT_MEASURES}
        value={selection.measure}
        onChange={(measure) => change({ measure })}
      />
      <Segmented
        legend={t('cohorts.show.label')}
        name="cohort-show"
        options={COHORT_SHOWS}
        value={selection.show}
        onChange={(show) => change({ show })}
      />
      <div className="field">
        <label className="field-label" htmlFor={byId}>
          {t('cohorts.by.label')}
        </label>
        <select
          id={byId}
          className="select"
          value={selection.by ?? ''}
          onChange={(event) =>
            change({
              by: event.target.value === '' ? null : (event.target.value as CohortSelection['by']),
              value: null,
            })
          }
        >
          <option value="">{t('cohorts.by.none')}</option>
          {COHORT_BREAKDOWNS.map((by) => (
            <option key={by} value={by}>
              {t(NAMES[by]!)}
            </option>
          ))}
        </select>
      </div>
      {selection.by !== null && (
        <div className="field">
          <label className="field-label" htmlFor={valueId}>
            {t('cohorts.value.label')}
          </label>
          <select
            id={valueId}
            className="select"
            value={selection.value ?? ''}
            onChange={(event) => change({ value: event.target.value === '' ? null : event.target.value })}
          >
            <option value="">{t('cohorts.value.all')}</option>
            {values.map((value) => (
              <option key={value} value={value}>
                {value === '' ? t('cohorts.value.blank') : value}
              </option>
            ))}
          </select>
        </div>
      )}
    </form>
  );
}

export default function CohortsPage() {
  const { t, locale } = useI18n();
  const { search } = useLocation();
  const selection = parseCohortSelection(search);
  // Orders or subscriptions: the overview says which the workspace has (its answer is shared).
  const overview = useOverview({ period: 'month' });
  const modes: CohortMode[] = [];
  if (overview.data?.hasOrders) modes.push('transactional');
  if (overview.data?.hasSubscriptions) modes.push('subscription');
  const mode: CohortMode | null =
    selection.mode !== null && (modes.length === 0 || modes.includes(selection.mode))
      ? selection.mode
      : (modes[0] ?? null);
  const query = cohortsQuery(selection, mode ?? 'transactional');
  const cohorts = useCohorts(query, mode !== null);
  const [cell, setCell] = useState<CohortCell | null>(null);
  const data = cohorts.data;
  const choose = (next: CohortSelection) => {
    setCell(null);
    navigate(`/cohorts${cohortSearch(next)}`);
  };

  let body: ReactNode;
  if (data) {
    const { rows, averageRates } = shownMatrix(data, selection.value);
    const currency = overview.data?.currency ?? 'USD';
    const caption = t(
      selection.kind === 'first-time' ? 'cohorts.caption.firstTime' : 'cohorts.caption.recurring',
      {
        measure: t(NAMES[selection.measure]!),
        show: t(NAMES[selection.show]!),
      },
    );
    body = (
      <>
        <div className="chart-card cohort-heatmap" aria-busy={cohorts.isFetching}>
          <h2>{t('cohorts.heatmap.title')}</h2>
          <p className="chart-caption">{t('cohorts.heatmap.help')}</p>
          <ul className="cohort-key" aria-label={t('cohorts.key.label')}>
            <li>
              <span className="cohort-key-swatch" data-level="1" aria-hidden="true" />
              {t('cohorts.key.low')}
            </li>
            <li>
              <span className="cohort-key-swatch" data-level="6" aria-hidden="true" />
              {t('cohorts.key.high')}
            </li>
            <li>
              <span className="cohort-key-swatch" data-incomplete="true" aria-hidden="true" />
              {t('cohorts.key.incomplete')}
            </li>
          </ul>
          <CohortHeatmap
            rows={rows}
            averageRates={averageRates}
            period={selection.period}
            show={selection.show}
            currency={currency}
            caption={caption}
            selected={cell}
            onSelect={(chosen) =>
              setCell({ ...chosen, ...(selection.value === null ? {} : { value: selection.value }) })
            }
          />
        </div>
        {cell && (
          <CellCustomers query={query} cell={cell} period={selection.period} onClose={() => setCell(null)} />
        )}
        {rows.length >= 1 && (
          <section className="charts" aria-label={t('cohorts.charts')}>
            <RetentionCurves
              rows={rows}
              averageRates={averageRates}
              period={selection.period}
              show={selection.show}
              currency={currency}
            />
            <AgeTrend rows={rows} period={selection.period} show={selection.show} currency={currency} />
          </section>
        )}
      </>
    );
  } else if (cohorts.isError) {
    body =
      cohorts.error instanceof ApiError && cohorts.error.status === 404 ? (
        <p className="notice">{t('cohorts.empty')}</p>
      ) : (
        <ErrorMessage error={cohorts.error} onRetry={() => void cohorts.refetch()} />
      );
  } else if (overview.isError) {
    body = <ErrorMessage error={overview.error} onRetry={() => void overview.refetch()} />;
  } else if (overview.data && mode === null) {
    body = <p className="notice">{t('cohorts.empty')}</p>;
  } else {
    body = <Loading />;
  }

  return (
    <>
      <div className="page-head">
        <h1 className="page-title">{t('cohorts.title')}</h1>
        {data && (
          <p className="freshness" data-computed-at={data.computedAt}>
            {t('cohorts.freshness', { computedAt: formatDateTime(data.computedAt, locale) })}
          </p>
        )}
      </div>
      <Controls
        selection={selection}
        modes={modes}
        mode={mode ?? 'transactional'}
        values={data?.cohorts.breakdown?.map((entry) => entry.value) ?? []}
        onChange={choose}
      />
      {data && cohorts.isError && (
        <ErrorMessage error={cohorts.error} onRetry={() => void cohorts.refetch()} />
      )}
      {body}
    </>
  );
}
