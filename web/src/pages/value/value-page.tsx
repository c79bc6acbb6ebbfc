/**
 * Value: what customers are worth — the distribution of predicted CLV (BG/NBD + Gamma-Gamma over the
 * next 12 months), the most valuable customers, and how far the model can be trusted: fitted on a
 * calibration period, its predicted repeat purchases in the holdout period that follows against
 * what customers really did, by their repeat purchases in calibration (Fader, Hardie & Lee 2005,
 * Figure 4), with the fitted parameters. `GET /analytics/clv` and `GET /analytics/clv/diagnostics`.
 */
import { type FormEvent, useId, useMemo, useState } from 'react';
import { useOverview } from '../../api';
import { LineChart } from '../../components/line-chart';
import { ErrorMessage, Loading } from '../../components/status';
import { formatCount, formatDate, formatDateTime, formatMoney, formatPercent } from '../../i18n/format';
import { type Locale, type MessageKey, useI18n } from '../../i18n/i18n';
import { Link, navigate, useLocation } from '../../router';
import {
  type ClvAnswer,
  type ClvDiagnostics,
  type ClvDiagnosticsQuery,
  useClv,
  useClvDiagnostics,
} from './queries';

type Translate = ReturnType<typeof useI18n>['t'];

const MODELS = ['bgnbd', 'mbgnbd', 'paretonbd', 'auto'] as const;
type ModelChoice = (typeof MODELS)[number];

const MODEL_NAMES: Readonly<Record<ModelChoice, MessageKey>> = {
  bgnbd: 'value.model.bgnbd',
  mbgnbd: 'value.model.mbgnbd',
  paretonbd: 'value.model.paretonbd',
  auto: 'value.model.auto',
};

/** The papers' symbols for the parameters' names. */
const SYMBOLS: Readonly<Record<string, string>> = { alpha: 'α', beta: 'β', gamma: 'γ' };
const symbol = (name: string) => SYMBOLS[name] ?? name;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A parameter as a number with four significant digits (the precision the papers print). */
function formatParameter(value: number, locale: Locale): string {
  return new Intl.NumberFormat(locale, { maximumSignificantDigits: 4 }).format(value);
}

/** Parameters as a definition list; each entry carries `data-param` and the raw `data-value`. */
function Parameters({ params }: { readonly params: Readonly<Record<string, number>> }) {
  const { locale } = useI18n();
  return (
    <dl className="model-params">
      {Object.entries(params).map(([name, value]) => (
        <div key={name} data-param={name} data-value={String(value)}>
          <dt>{symbol(name)}</dt>
          <dd>{formatParameter(value, locale)}</dd>
        </div>
      ))}
    </dl>
  );
}

function binLabel(
  bin: ClvAnswer['distribution']['bins'][number],
  currency: string,
  locale: Locale,
  t: Translate,
) {
  const from = formatMoney(bin.from, currency, locale);
  if (bin.to === null) return t('value.distribution.tail', { from });
  return t('value.distribution.bin', { from, to: formatMoney(bin.to, currency, locale) });
}

function Distribution({ clv, currency }: { readonly clv: ClvAnswer; readonly currency: string }) {
  const { t, locale } = useI18n();
  const bins = clv.distribution.bins;
  const categories = useMemo(
    () => bins.map((bin) => binLabel(bin, currency, locale, t)),
    [bins, currency, locale, t],
  );
  const series = useMemo(
    () => [
      { name: t('value.distribution.customers'), values: bins.map((bin) => bin.count), type: 'bar' as const },
    ],
    [bins, t],
  );
  const count = useMemo(() => (value: number) => formatCount(value, locale), [locale]);
  return (
    <div className="chart-card">
      <h2>{t('value.distribution.title')}</h2>
      <p className="chart-caption">
        {t('value.distribution.caption', {
          customers: formatCount(clv.distribution.total, locale),
          months: clv.horizonMonths,
        })}
      </p>
      {bins.length > 0 ? (
        <LineChart
          label={t('value.distribution.title')}
          categories={categories}
          series={series}
          format={count}
          categoryHeading={t('value.distribution.range')}
        />
      ) : (
        <p className="chart-caption">{t('value.noPrediction')}</p>
      )}
    </div>
  );
}

function TopCustomers({ clv, currency }: { readonly clv: ClvAnswer; readonly currency: string }) {
  const { t, locale } = useI18n();
  const items = clv.customers.items;
  return (
    <div className="chart-card">
      <h2 id="top-customers">{t('value.top.title')}</h2>
      <p className="chart-caption">{t('value.top.caption', { months: clv.horizonMonths })}</p>
      <div className="data-table-scroll value-top">
        <table className="customer-list">
          <caption className="visually-hidden">{t('value.top.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('value.top.customer')}</th>
              <th scope="col">{t('value.top.clv')}</th>
              <th scope="col">{t('value.top.alive')}</th>
              <th scope="col">{t('value.top.purchases')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.customerId} data-customer-id={item.customerId}>
                <td>
                  <Link href={`/customers/${item.customerId}`}>
                    {item.externalId ?? `#${item.customerId}`}
                  </Link>
                </td>
                <td>{item.clv === null ? '—' : formatMoney(item.clv, currency, locale)}</td>
                <td>
                  {item.probabilityAlive === null
                    ? '—'
                    : formatPercent(item.probabilityAlive * 100, locale, 0)}
                </td>
                <td>
                  {item.expectedPurchases === null
                    ? '—'
                    : new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(
                        item.expectedPurchases,
                      )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function PredictionModel({ clv, currency }: { readonly clv: ClvAnswer; readonly currency: string }) {
  const { t, locale } = useI18n();
  return (
    <div className="chart-card" data-model="clv">
      <h2>{t('value.prediction.title')}</h2>
      <p className="chart-caption">
        {t('value.prediction.caption', {
          months: clv.horizonMonths,
          discount: formatPercent(clv.monthlyDiscountRate * 100, locale),
          asOf: formatDate(clv.asOf.slice(0, 10), locale),
        })}
      </p>
      <dl className="value-facts">
        <div>
          <dt>{t('value.historical.total')}</dt>
          <dd>{formatMoney(clv.historical.total, currency, locale)}</dd>
        </div>
        <div>
          <dt>{t('value.historical.mean')}</dt>
          <dd>{clv.historical.mean === null ? '—' : formatMoney(clv.historical.mean, currency, locale)}</dd>
        </div>
        <div>
          <dt>{t('value.historical.customers')}</dt>
          <dd>{formatCount(clv.historical.customers, locale)}</dd>
        </div>
      </dl>
      {clv.bgNbd && (
        <>
          <h3>{t('value.model.bgnbd')}</h3>
          <Parameters params={clv.bgNbd.params} />
        </>
      )}
      {clv.gammaGamma && (
        <>
          <h3>{t('value.gammaGamma')}</h3>
          <Parameters params={clv.gammaGamma.params} />
        </>
      )}
      {clv.notes.map((note) => (
        <p key={note} className="notice" lang="en">
          {note}
        </p>
      ))}
    </div>
  );
}

function DiagnosticsChart({ diagnostics }: { readonly diagnostics: ClvDiagnostics }) {
  const { t, locale } = useI18n();
  const rows = diagnostics.byFrequency;
  const categories = useMemo(() => rows.map((row) => String(row.frequency)), [rows]);
  const series = useMemo(
    () => [
      { name: t('value.diagnostics.actual'), values: rows.map((row) => row.actualMean) },
      { name: t('value.diagnostics.predicted'), values: rows.map((row) => row.predictedMean) },
    ],
    [rows, t],
  );
  const decimal = useMemo(
    () => (value: number) => new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value),
    [locale],
  );
  return (
    <LineChart
      label={t('value.diagnostics.chart')}
      categories={categories}
      series={series}
      format={decimal}
      categoryHeading={t('value.diagnostics.frequency')}
    />
  );
}

function Diagnostics({
  dataStart,
  dataEnd,
}: {
  readonly dataStart: string | null;
  readonly dataEnd: string | null;
}) {
  const { t, locale } = useI18n();
  const { search } = useLocation();
  const calibrationParameter = search.get('calibrationEnd');
  const modelParameter = search.get('model');
  const model: ModelChoice = MODELS.includes(modelParameter as ModelChoice)
    ? (modelParameter as ModelChoice)
    : 'bgnbd';
  const query: ClvDiagnosticsQuery = {
    model,
    ...(calibrationParameter && DATE.test(calibrationParameter)
      ? { calibrationEnd: calibrationParameter }
      : {}),
  };
  const diagnostics = useClvDiagnostics(query);
  const data = diagnostics.data;
  const [draft, setDraft] = useState<{ calibrationEnd: string; model: ModelChoice } | null>(null);
  const form = draft ?? { calibrationEnd: data?.calibrationEnd ?? calibrationParameter ?? '', model };
  const dateId = useId();
  const modelId = useId();
  const apply = (event: FormEvent) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (DATE.test(form.calibrationEnd)) next.set('calibrationEnd', form.calibrationEnd);
    if (form.model !== 'bgnbd') next.set('model', form.model);
    setDraft(null);
    const text = next.toString();
    navigate(`/value${text === '' ? '' : `?${text}`}`);
  };
  return (
    <section
      className="chart-card value-diagnostics"
      aria-labelledby="value-diagnostics"
      data-model="diagnostics"
    >
      <h2 id="value-diagnostics">{t('value.diagnostics.title')}</h2>
      <p className="chart-caption">{t('value.diagnostics.help')}</p>
      <form className="period-picker value-diagnostics-form" onSubmit={apply}>
        <div className="field">
          <label className="field-label" htmlFor={dateId}>
            {t('value.diagnostics.calibrationEnd')}
          </label>
          <input
            id={dateId}
            className="input"
            type="date"
            value={form.calibrationEnd}
            {...(dataStart ? { min: dataStart } : {})}
            {...(dataEnd ? { max: dataEnd } : {})}
            onChange={(event) => setDraft({ ...form, calibrationEnd: event.target.value })}
          />
        </div>
        <div className="field">
          <label className="field-label" htmlFor={modelId}>
            {t('value.diagnostics.model')}
          </label>
          <select
            id={modelId}
            className="select"
            value={form.model}
            onChange={(event) => setDraft({ ...form, model: event.target.value as ModelChoice })}
          >
            {MODELS.map((choice) => (
              <option key={choice} value={choice}>
                {t(MODEL_NAMES[choice])}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button">
          {t('value.diagnostics.apply')}
        </button>
      </form>
      {diagnostics.isError && (
        <ErrorMessage error={diagnostics.error} onRetry={() => void diagnostics.refetch()} />
      )}
      {!data && !diagnostics.isError && <Loading />}
      {data && (
        <div aria-busy={diagnostics.isFetching} className="value-diagnostics-body">
          <p className="chart-caption">
            {t('value.diagnostics.periods', {
              calibrationEnd: formatDate(data.calibrationEnd, locale),
              observationEnd: formatDate(data.observationEnd, locale),
              weeks: new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(data.holdoutWeeks),
              customers: formatCount(data.customers, locale),
            })}
          </p>
          {data.byFrequency.length > 0 && <DiagnosticsChart diagnostics={data} />}
          {data.holdout && (
            <dl className="value-facts">
              <div>
                <dt>{t('value.diagnostics.actualTotal')}</dt>
                <dd>{formatCount(data.holdout.actual, locale)}</dd>
              </div>
              <div>
                <dt>{t('value.diagnostics.predictedTotal')}</dt>
                <dd>{formatCount(data.holdout.predicted, locale)}</dd>
              </div>
              <div>
                <dt>{t('value.diagnostics.mae')}</dt>
                <dd>
                  {new Intl.NumberFormat(locale, { maximumFractionDigits: 3 }).format(data.holdout.mae)}
                </dd>
              </div>
            </dl>
          )}
          {data.model && data.params && (
            <>
              <h3 data-model-name={data.model}>{t(MODEL_NAMES[data.model])}</h3>
              <Parameters params={data.params} />
            </>
          )}
          {data.gammaGamma && (
            <>
              <h3>{t('value.gammaGamma')}</h3>
              <Parameters
                params={{ p: data.gammaGamma.p, q: data.gammaGamma.q, gamma: data.gammaGamma.gamma }}
              />
            </>
          )}
          {data.selection && (
            <table className="customer-list value-selection">
              <caption>{t('value.diagnostics.selection')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('value.diagnostics.model')}</th>
                  <th scope="col">{t('value.diagnostics.mae')}</th>
                </tr>
              </thead>
              <tbody>
                {data.selection.map((candidate) => (
                  <tr key={candidate.model}>
                    <th scope="row">{t(MODEL_NAMES[candidate.model])}</th>
                    <td>
                      {candidate.mae === null
                        ? '—'
                        : new Intl.NumberFormat(locale, { maximumFractionDigits: 4 }).format(candidate.mae)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {data.notes.map((note) => (
            <p key={note} className="notice" lang="en">
              {note}
            </p>
          ))}
        </div>
      )}
    </section>
  );
}

export default function ValuePage() {
  const { t, locale } = useI18n();
  const clv = useClv();
  const overview = useOverview({ period: 'month' });
  const currency = overview.data?.currency ?? 'USD';
  const data = clv.data;
  return (
    <>
      <div className="page-head">
        <h1 className="page-title">{t('value.title')}</h1>
        {data && (
          <p className="freshness" data-computed-at={data.computedAt}>
            {t('value.freshness', { computedAt: formatDateTime(data.computedAt, locale) })}
          </p>
        )}
      </div>
      {clv.isError && <ErrorMessage error={clv.error} onRetry={() => void clv.refetch()} />}
      {!data && !clv.isError && <Loading />}
      {data && (
        <section className="charts" aria-label={t('value.sections')}>
          <Distribution clv={data} currency={currency} />
          <TopCustomers clv={data} currency={currency} />
          <PredictionModel clv={data} currency={currency} />
        </section>
      )}
      <Diagnostics dataStart={overview.data?.dataStart ?? null} dataEnd={overview.data?.dataEnd ?? null} />
    </>
  );
}
