/**
 * The cohort matrix as a heatmap that is a real table: a row per cohort, a column per age, each
 * cell's value as text and its colour by how large it is. Every cell carries `data-cohort`,
 * `data-age` and `data-value` (the raw number shown; an empty string for a cell whose period is not
 * complete yet — marked `data-incomplete` — or, as a percentage, of a cohort without customers),
 * so a test can count the filled cells. An incomplete cell is empty and hatched — never 0 — and a
 * complete one is a button that lists its customers.
 */
import { useId } from 'react';
import { formatCount, formatMoney, formatPercent } from '../../i18n/format';
import { type Locale, useI18n } from '../../i18n/i18n';
import { ageName, cohortName, shortCohortName } from './cohort-labels';
import {
  type CohortPeriod,
  type CohortShow,
  cellShare,
  cellValue,
  heatLevel,
  largestRevenue,
  shareScale,
  visibleWindow,
} from './cohort-options';
import type { CohortCell, CohortRow } from './queries';

/** At most this many cohorts and ages are shown (the latest cohorts, the first ages). */
export const HEATMAP_LIMIT = 60;

export interface CohortHeatmapProps {
  readonly rows: readonly CohortRow[];
  readonly averageRates: readonly (number | null)[];
  readonly period: CohortPeriod;
  readonly show: CohortShow;
  readonly currency: string;
  readonly caption: string;
  readonly selected: CohortCell | null;
  readonly onSelect: (cell: { cohort: string; age: number }) => void;
}

export function formatCellValue(value: number, show: CohortShow, currency: string, locale: Locale): string {
  if (show === 'percent') return formatPercent(value, locale, value === 100 || value === 0 ? 0 : 1);
  if (show === 'counts') return formatCount(value, locale);
  return formatMoney(value, currency, locale);
}

export function CohortHeatmap(props: CohortHeatmapProps) {
  const { rows, averageRates, period, show, currency, caption, selected, onSelect } = props;
  const { t, locale } = useI18n();
  const captionId = useId();
  const { firstRow, ages } = visibleWindow(rows, HEATMAP_LIMIT);
  const shownRows = rows.slice(firstRow);
  const revenueScale = show === 'revenue' ? largestRevenue(shownRows) : 0;
  const scale = shareScale(shownRows, show, revenueScale);
  const ageColumns = Array.from({ length: ages }, (_, age) => age);
  return (
    <>
      {(firstRow > 0 || ages < (rows[0]?.counts.length ?? 0)) && (
        <p className="notice">
          {t('cohorts.heatmap.truncated', {
            cohorts: formatCount(shownRows.length, locale),
            ages: formatCount(ages, locale),
          })}
        </p>
      )}
      <section className="cohort-table-scroll" aria-labelledby={captionId}>
        <table className="cohort-table" data-show={show}>
          <caption id={captionId}>{caption}</caption>
          <thead>
            <tr>
              <th scope="col" className="cohort-name">
                {t('cohorts.table.cohort')}
              </th>
              <th scope="col" className="cohort-size">
                {t('cohorts.table.size')}
              </th>
              {ageColumns.map((age) => (
                <th scope="col" key={age} className="cohort-age">
                  <span aria-hidden="true">{age}</span>
                  <span className="visually-hidden">{ageName(age, period, t)}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shownRows.map((row) => (
              <tr key={row.cohort}>
                <th scope="row" className="cohort-name" title={cohortName(row.cohort, period, locale, t)}>
                  {shortCohortName(row.cohort, period, locale, t)}
                </th>
                <td className="cohort-size">{formatCount(row.size, locale)}</td>
                {ageColumns.map((age) => {
                  if (age >= row.counts.length) return <td key={age} className="cohort-beyond" />;
                  const value = cellValue(row, age, show);
                  if (row.counts[age] === null) {
                    return (
                      <td
                        key={age}
                        className="cohort-cell"
                        data-cohort={row.cohort}
                        data-age={age}
                        data-value=""
                        data-incomplete="true"
                        aria-label={t('cohorts.cell.incomplete')}
                      />
                    );
                  }
                  if (value === null) {
                    // Complete, but no rate: a cohort without customers (0 of 0).
                    return (
                      <td
                        key={age}
                        className="cohort-cell"
                        data-cohort={row.cohort}
                        data-age={age}
                        data-value=""
                        data-count={0}
                        aria-label={t('cohorts.cell.noRate')}
                      >
                        <span aria-hidden="true" className="cohort-no-rate">
                          —
                        </span>
                      </td>
                    );
                  }
                  const formatted = formatCellValue(value, show, currency, locale);
                  const count = row.counts[age] ?? 0;
                  const isSelected = selected?.cohort === row.cohort && selected.age === age;
                  return (
                    <td
                      key={age}
                      className="cohort-cell"
                      data-cohort={row.cohort}
                      data-age={age}
                      data-value={String(value)}
                      data-count={count}
                      data-level={heatLevel(cellShare(row, age, show, revenueScale) / scale)}
                    >
                      <button
                        type="button"
                        aria-pressed={isSelected}
                        aria-label={t('cohorts.cell.action', {
                          cohort: cohortName(row.cohort, period, locale, t),
                          age: ageName(age, period, t),
                          value: formatted,
                          count: formatCount(count, locale),
                        })}
                        onClick={() => onSelect({ cohort: row.cohort, age })}
                      >
                        {formatted}
                      </button>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
          {show === 'percent' && (
            <tfoot>
              <tr>
                <th scope="row" className="cohort-name">
                  {t('cohorts.table.average')}
                </th>
                <td className="cohort-size" />
                {ageColumns.map((age) => {
                  const rate = averageRates[age];
                  return (
                    <td key={age} className="cohort-average">
                      {rate === null || rate === undefined ? '' : formatPercent(rate, locale)}
                    </td>
                  );
                })}
              </tr>
            </tfoot>
          )}
        </table>
      </section>
    </>
  );
}
