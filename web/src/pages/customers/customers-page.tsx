/**
 * Customers: the server-paginated list (keyset cursors: next and previous), search, filters by RFM
 * segment, risk band, value range and country, sortable columns, and the filtered list as CSV —
 * and, at `/customers/at-risk`, the at-risk list ranked by score with the reasons in words. Every
 * choice lives in the address bar (list-state.ts), so a list can be linked and reloaded.
 */
import { type FormEvent, type ReactNode, useEffect, useId, useMemo, useState } from 'react';
import { useSession, useWorkspace } from '../../api';
import { ScrollRegion } from '../../components/scroll-region';
import { ErrorMessage } from '../../components/status';
import { formatCount, formatDate, formatDateTime, formatPercent } from '../../i18n/format';
import { type MessageKey, useI18n } from '../../i18n/i18n';
import { can } from '../../roles';
import { Link, navigate, useLocation } from '../../router';
import { customerLabel, formatCents, formatInstantDate } from './format';
import {
  apiQuery,
  EMPTY_STATE,
  isFiltered,
  type ListState,
  listSearch,
  nextOrder,
  parseListState,
  RISK_BANDS,
  SEGMENTS,
  type Sort,
} from './list-state';
import {
  type CustomerListPage,
  type ListedCustomer,
  type ListView,
  PAGE_SIZE,
  useCustomerPage,
  useScoreStatus,
} from './queries';
import { reasonText } from './reasons';
import './customers.css';
import { BAND_NAMES, SEGMENT_NAMES, segmentName } from './names';

/** The list's state with `changes`, written to the address bar. */
function go(path: string, state: ListState, changes: Partial<ListState>, replace = false) {
  navigate(`${path}${listSearch({ ...state, ...changes })}`, { replace });
}

function Filters({
  state,
  path,
  view,
}: {
  readonly state: ListState;
  readonly path: string;
  readonly view: ListView;
}) {
  const { t } = useI18n();
  const id = useId();
  const [q, setQ] = useState(state.q);
  const [minValue, setMinValue] = useState(state.minValue);
  const [maxValue, setMaxValue] = useState(state.maxValue);
  const [country, setCountry] = useState(state.country);
  // Typing waits for a pause before it asks the server (debounced), and replaces the history entry.
  useEffect(() => {
    if (
      q === state.q &&
      minValue === state.minValue &&
      maxValue === state.maxValue &&
      country === state.country
    )
      return;
    const timer = setTimeout(
      () => go(path, state, { q, minValue, maxValue, country: country.toUpperCase() }, true),
      350,
    );
    return () => clearTimeout(timer);
  }, [q, minValue, maxValue, country, state, path]);
  // Follow the address when it changes otherwise (back, a link, "clear").
  useEffect(() => setQ(state.q), [state.q]);
  useEffect(() => setMinValue(state.minValue), [state.minValue]);
  useEffect(() => setMaxValue(state.maxValue), [state.maxValue]);
  useEffect(() => setCountry(state.country), [state.country]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    go(path, state, { q, minValue, maxValue, country: country.toUpperCase() });
  };
  return (
    <search aria-label={t('customers.filters')}>
      <form className="customer-filters" onSubmit={submit}>
        <div className="field customer-search">
          <label className="field-label" htmlFor={`${id}-q`}>
            {t('customers.search')}
          </label>
          <input
            id={`${id}-q`}
            className="input"
            type="search"
            name="q"
            value={q}
            maxLength={200}
            placeholder={t('customers.search.placeholder')}
            onChange={(event) => setQ(event.target.value)}
          />
          <label className="check">
            <input
              type="checkbox"
              checked={state.anywhere}
              onChange={(event) => go(path, state, { q, anywhere: event.target.checked })}
            />
            <span>{t('customers.search.anywhere')}</span>
          </label>
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`${id}-segment`}>
            {t('customers.filter.segment')}
          </label>
          <select
            id={`${id}-segment`}
            className="select"
            value={state.segment ?? ''}
            onChange={(event) =>
              go(path, state, { segment: (event.target.value || null) as ListState['segment'] })
            }
          >
            <option value="">{t('customers.filter.any')}</option>
            {SEGMENTS.map((segment) => (
              <option key={segment} value={segment}>
                {t(SEGMENT_NAMES[segment])}
              </option>
            ))}
          </select>
        </div>
        {view === 'all' && (
          <div className="field">
            <label className="field-label" htmlFor={`${id}-risk`}>
              {t('customers.filter.risk')}
            </label>
            <select
              id={`${id}-risk`}
              className="select"
              value={state.risk ?? ''}
              onChange={(event) =>
                go(path, state, { risk: (event.target.value || null) as ListState['risk'] })
              }
            >
              <option value="">{t('customers.filter.any')}</option>
              {RISK_BANDS.map((band) => (
                <option key={band} value={band}>
                  {t(BAND_NAMES[band])}
                </option>
              ))}
            </select>
          </div>
        )}
        <fieldset className="field value-range">
          <legend className="field-label">{t('customers.filter.value')}</legend>
          <div className="value-range-inputs">
            <label className="visually-hidden" htmlFor={`${id}-value-by`}>
              {t('customers.filter.valueBy')}
            </label>
            <select
              id={`${id}-value-by`}
              className="select"
              value={state.valueBy}
              onChange={(event) =>
                go(path, state, { valueBy: event.target.value === 'clv' ? 'clv' : 'spent' })
              }
            >
              <option value="spent">{t('customers.filter.valueBy.spent')}</option>
              <option value="clv">{t('customers.filter.valueBy.clv')}</option>
            </select>
            <label className="visually-hidden" htmlFor={`${id}-min`}>
              {t('customers.filter.min')}
            </label>
            <input
              id={`${id}-min`}
              className="input input-amount"
              inputMode="decimal"
              placeholder={t('customers.filter.min')}
              value={minValue}
              onChange={(event) => setMinValue(event.target.value.trim())}
            />
            <span aria-hidden="true">–</span>
            <label className="visually-hidden" htmlFor={`${id}-max`}>
              {t('customers.filter.max')}
            </label>
            <input
              id={`${id}-max`}
              className="input input-amount"
              inputMode="decimal"
              placeholder={t('customers.filter.max')}
              value={maxValue}
              onChange={(event) => setMaxValue(event.target.value.trim())}
            />
          </div>
        </fieldset>
        <div className="field">
          <label className="field-label" htmlFor={`${id}-country`}>
            {t('customers.filter.country')}
          </label>
          <input
            id={`${id}-country`}
            className="input input-country"
            maxLength={2}
            autoComplete="off"
            placeholder="US"
            value={country}
            onChange={(event) => setCountry(event.target.value.replace(/[^A-Za-z]/g, ''))}
          />
        </div>
        {isFiltered(state) && (
          <button
            type="button"
            className="button button-quiet"
            onClick={() => go(path, { ...EMPTY_STATE, sort: state.sort, direction: state.direction }, {})}
          >
            {t('customers.filter.clear')}
          </button>
        )}
      </form>
    </search>
  );
}

interface Column {
  readonly label: MessageKey;
  readonly sort?: Sort;
  readonly numeric?: boolean;
  readonly cell: (customer: ListedCustomer) => ReactNode;
}

function RiskCell({ customer }: { readonly customer: ListedCustomer }) {
  const { t, locale } = useI18n();
  const score = customer.score;
  if (score?.riskScore == null || score.riskBand === null) return <span className="muted">—</span>;
  return (
    <span className="risk" data-band={score.riskBand}>
      <span className="risk-score">{formatCount(score.riskScore, locale)}</span>{' '}
      <span className="risk-band">{t(BAND_NAMES[score.riskBand])}</span>
    </span>
  );
}

function useColumns(view: ListView, currency: string, timeZone: string): Column[] {
  const { t, locale } = useI18n();
  return useMemo(() => {
    const customer: Column = {
      label: 'customers.column.customer',
      cell: (row) => (
        <>
          <Link href={`/customers/${row.id}`} className="customer-link">
            {customerLabel(row)}
          </Link>
          {(row.name !== null || row.email !== null) && (
            <span className="customer-sub">
              {row.name !== null ? (row.email ?? row.externalId) : row.externalId}
            </span>
          )}
        </>
      ),
    };
    const spent: Column = {
      label: 'customers.column.spent',
      sort: 'spent',
      numeric: true,
      cell: (row) => (row.score ? formatCents(row.score.valueCents, currency, locale) : '—'),
    };
    const lastOrder: Column = {
      label: 'customers.column.lastOrder',
      sort: 'lastOrder',
      cell: (row) =>
        row.score?.lastOrderAt ? formatInstantDate(row.score.lastOrderAt, locale, timeZone) : '—',
    };
    const risk: Column = {
      label: 'customers.column.risk',
      sort: 'risk',
      cell: (row) => <RiskCell customer={row} />,
    };
    if (view === 'at-risk') {
      return [
        customer,
        risk,
        {
          label: 'customers.column.reasons',
          cell: (row) =>
            row.score && row.score.reasons.length > 0 ? (
              <ul className="reasons">
                {row.score.reasons.map((reason) => (
                  <li key={reason.code} className="reason" data-reason={reason.code}>
                    {reasonText(reason, t, locale, currency)}
                  </li>
                ))}
              </ul>
            ) : (
              '—'
            ),
        },
        {
          label: 'customers.column.pAlive',
          numeric: true,
          cell: (row) => (row.score?.pAlive == null ? '—' : formatPercent(row.score.pAlive * 100, locale, 0)),
        },
        spent,
        lastOrder,
      ];
    }
    return [
      customer,
      { label: 'customers.column.country', cell: (row) => row.country ?? '—' },
      {
        label: 'customers.column.orders',
        sort: 'orders',
        numeric: true,
        cell: (row) => (row.score ? formatCount(row.score.ordersCount, locale) : '—'),
      },
      spent,
      lastOrder,
      risk,
      {
        label: 'customers.column.clv',
        sort: 'clv',
        numeric: true,
        cell: (row) =>
          row.score?.predictedClvCents == null
            ? '—'
            : formatCents(row.score.predictedClvCents, currency, locale),
      },
      {
        label: 'customers.column.segment',
        cell: (row) => {
          const key = row.score?.rfm ? segmentName(row.score.rfm.segment) : null;
          return key === null ? '—' : t(key);
        },
      },
    ];
  }, [view, currency, timeZone, t, locale]);
}

function SortHeader({
  column,
  state,
  path,
  sortable,
}: {
  readonly column: Column;
  readonly state: ListState;
  readonly path: string;
  readonly sortable: boolean;
}) {
  const { t } = useI18n();
  const active = column.sort !== undefined && state.sort === column.sort;
  const ariaSort =
    !column.sort || !sortable
      ? undefined
      : active
        ? state.direction === 'asc'
          ? 'ascending'
          : 'descending'
        : 'none';
  return (
    <th scope="col" aria-sort={ariaSort} className={column.numeric ? 'numeric' : undefined}>
      {column.sort && sortable ? (
        <button
          type="button"
          className="sort-button"
          onClick={() => go(path, state, nextOrder(state, column.sort!))}
        >
          {t(column.label)}
          <span className="sort-mark" aria-hidden="true">
            {active ? (state.direction === 'asc' ? '▲' : '▼') : '↕'}
          </span>
        </button>
      ) : (
        t(column.label)
      )}
    </th>
  );
}

function Freshness({ page }: { readonly page: CustomerListPage | undefined }) {
  const { t, locale } = useI18n();
  const status = useScoreStatus();
  const pending = status.data?.pending;
  const scores = page?.scores ?? null;
  return (
    <p className="freshness" aria-live="polite">
      {scores
        ? t('customers.freshness', {
            asOf: scores.asOf ? formatDate(scores.asOf, locale) : '—',
            computedAt: formatDateTime(scores.computedAt, locale),
          })
        : t('customers.freshness.none')}
      {pending && <> · {t('customers.freshness.pending')}</>}
    </p>
  );
}

export default function CustomersPage() {
  const { t, locale } = useI18n();
  const { path, search } = useLocation();
  const view: ListView = path.replace(/\/$/, '') === '/customers/at-risk' ? 'at-risk' : 'all';
  const state = useMemo(() => parseListState(search), [search]);
  const query = useMemo(() => apiQuery(state, { withOrder: view === 'all' }), [state, view]);
  const queryKey = `${view}|${JSON.stringify(query)}`;
  // The cursors of the pages before the current one (null: the first), for "previous".
  const [pages, setPages] = useState<{ key: string; cursors: (string | null)[] }>({
    key: queryKey,
    cursors: [null],
  });
  const cursors = pages.key === queryKey ? pages.cursors : [null];
  const cursor = cursors.at(-1) ?? null;
  const result = useCustomerPage(view, query, cursor);
  const [counted, setCounted] = useState<{ key: string; total: number; capped: boolean } | null>(null);
  const data = result.data;
  useEffect(() => {
    if (data && data.total !== null && cursor === null)
      setCounted({ key: queryKey, total: data.total, capped: data.totalCapped });
  }, [data, cursor, queryKey]);
  const total = counted?.key === queryKey ? counted : null;
  const workspace = useWorkspace();
  const session = useSession();
  const timeZone = workspace.data?.settings.timeZone ?? 'UTC';
  const currency = data?.currency ?? workspace.data?.settings.currency ?? 'USD';
  const columns = useColumns(view, currency, timeZone);
  const basePath = view === 'all' ? '/customers' : '/customers/at-risk';
  const first = (cursors.length - 1) * PAGE_SIZE;
  const rows = data?.data ?? [];
  const showingCurrent = !result.isPlaceholderData;
  const exportQuery = new URLSearchParams(
    view === 'all'
      ? apiQuery(state)
      : { ...apiQuery(state, { withOrder: false }), sort: 'risk', risk: state.risk ?? '0' },
  ).toString();
  const mayExport = session.data ? can(session.data.role, 'exportCustomers') : false;

  let body: ReactNode;
  if (result.isError && !data) {
    body = <ErrorMessage error={result.error} onRetry={() => void result.refetch()} />;
  } else if (!data) {
    body = (
      <p className="centered" role="status">
        {t('status.loading')}
      </p>
    );
  } else if (rows.length === 0) {
    body = (
      <div className="empty-state" role="status">
        <p>
          {isFiltered(state)
            ? t('customers.empty.filtered')
            : view === 'at-risk' || state.sort !== 'newest'
              ? data.scores === null
                ? t('customers.empty.noScores')
                : t('customers.empty.atRisk')
              : t('customers.empty.none')}
        </p>
        {isFiltered(state) && (
          <button type="button" className="button button-quiet" onClick={() => go(basePath, EMPTY_STATE, {})}>
            {t('customers.filter.clear')}
          </button>
        )}
      </div>
    );
  } else {
    body = (
      <ScrollRegion label={t(view === 'all' ? 'customers.table' : 'customers.atRisk.table')}>
        <table className="customer-table" data-view={view} aria-busy={!showingCurrent}>
          <caption className="visually-hidden">
            {t(view === 'all' ? 'customers.table' : 'customers.atRisk.table')}
          </caption>
          <thead>
            <tr>
              {columns.map((column) => (
                <SortHeader
                  key={column.label}
                  column={column}
                  state={state}
                  path={basePath}
                  sortable={view === 'all'}
                />
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((customer) => (
              <tr key={customer.id} data-customer={customer.id}>
                {columns.map((column, index) =>
                  index === 0 ? (
                    <th key={column.label} scope="row">
                      {column.cell(customer)}
                    </th>
                  ) : (
                    <td key={column.label} className={column.numeric ? 'numeric' : undefined}>
                      {column.cell(customer)}
                    </td>
                  ),
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    );
  }

  const range =
    data && rows.length > 0
      ? total
        ? t(total.capped ? 'customers.range.capped' : 'customers.range.total', {
            from: formatCount(first + 1, locale),
            to: formatCount(first + rows.length, locale),
            total: formatCount(total.total, locale),
          })
        : t('customers.range', {
            from: formatCount(first + 1, locale),
            to: formatCount(first + rows.length, locale),
          })
      : null;

  return (
    <div className="customers-page">
      <div className="page-head">
        <h1 className="page-title">{t(view === 'all' ? 'customers.title' : 'customers.atRisk.title')}</h1>
        <Freshness page={data} />
      </div>
      <nav className="view-tabs" aria-label={t('customers.views')}>
        <Link
          href={`/customers${listSearch({ ...state, sort: 'newest', direction: 'desc' })}`}
          aria-current={view === 'all' ? 'page' : undefined}
        >
          {t('customers.view.all')}
        </Link>
        <Link
          href={`/customers/at-risk${listSearch({ ...state, risk: null, sort: 'newest', direction: 'desc' })}`}
          aria-current={view === 'at-risk' ? 'page' : undefined}
        >
          {t('customers.view.atRisk')}
        </Link>
      </nav>
      {view === 'at-risk' && <p className="view-intro">{t('customers.atRisk.intro')}</p>}
      <Filters state={state} path={basePath} view={view} />
      <div className="list-meta">
        <p className="list-range" aria-live="polite" data-total={total?.total ?? ''}>
          {range}
        </p>
        {mayExport && (
          <a
            className="button button-quiet export-link"
            href={`/api/v1/customers/export.csv${exportQuery ? `?${exportQuery}` : ''}`}
            download
          >
            {t('customers.export')}
          </a>
        )}
      </div>
      {body}
      {data && rows.length > 0 && (
        <nav className="pager" aria-label={t('customers.pages')}>
          <button
            type="button"
            className="button button-quiet"
            disabled={cursors.length <= 1}
            onClick={() => setPages({ key: queryKey, cursors: cursors.slice(0, -1) })}
          >
            {t('customers.previous')}
          </button>
          <button
            type="button"
            className="button button-quiet"
            disabled={!showingCurrent || data.nextCursor === null}
            onClick={() => setPages({ key: queryKey, cursors: [...cursors, data.nextCursor] })}
          >
            {t('customers.next')}
          </button>
        </nav>
      )}
    </div>
  );
}
