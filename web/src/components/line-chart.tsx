/**
 * A line chart (ECharts, loaded on first use; a series may be drawn as bars instead) with its legend in HTML and its numbers in a data
 * table under a disclosure, so the figures are readable without the canvas (screen readers, copy).
 * Colours come from the theme's CSS variables and follow theme changes.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { useTheme } from '../theme';

export interface LineSeries {
  readonly name: string;
  readonly values: readonly (number | null)[];
  /** Drawn as bars instead of a line (default line); bars of one `stack` pile up. */
  readonly type?: 'line' | 'bar';
  readonly stack?: string;
}

/** Series colours: the theme's `--chart-1` … `--chart-6`, in order. */
const SERIES_COLOURS = 6;

export interface LineChartProps {
  /** Accessible name of the chart (the canvas is an image of the data table). */
  readonly label: string;
  readonly categories: readonly string[];
  readonly series: readonly LineSeries[];
  readonly format: (value: number) => string;
  /** Heading of the table's first column. */
  readonly categoryHeading: string;
}

type Charts = typeof import('./echarts-setup');

let loading: Promise<Charts> | null = null;
const loadCharts = () => {
  loading ??= import('./echarts-setup');
  return loading;
};

function cssVariable(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** The tooltip's content as DOM nodes (no HTML strings, so no inline styles under the CSP). */
function tooltipContent(title: string, rows: readonly string[]): HTMLElement {
  const box = document.createElement('div');
  const heading = document.createElement('p');
  heading.className = 'chart-tooltip-title';
  heading.textContent = title;
  box.append(heading);
  for (const row of rows) {
    const line = document.createElement('p');
    line.className = 'chart-tooltip-row';
    line.textContent = row;
    box.append(line);
  }
  return box;
}

export function LineChart({ label, categories, series, format, categoryHeading }: LineChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const { resolved } = useTheme();
  const { t } = useI18n();
  const [failed, setFailed] = useState(false);
  const tableId = useId();

  // biome-ignore lint/correctness/useExhaustiveDependencies: the colours are read from CSS variables, so a theme change must redraw.
  useEffect(() => {
    let disposed = false;
    let chart: ReturnType<Charts['init']> | null = null;
    let observer: ResizeObserver | null = null;
    loadCharts().then(
      (charts) => {
        if (disposed || !container.current) return;
        chart = charts.init(container.current, null, { renderer: 'canvas' });
        const colors = Array.from({ length: SERIES_COLOURS }, (_, index) =>
          cssVariable(`--chart-${index + 1}`),
        );
        const text = cssVariable('--text-muted');
        const grid = cssVariable('--chart-grid');
        chart.setOption({
          animation: false,
          color: colors,
          grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
          tooltip: {
            trigger: 'axis',
            className: 'chart-tooltip',
            backgroundColor: cssVariable('--surface'),
            borderColor: cssVariable('--border'),
            textStyle: { color: cssVariable('--text') },
            formatter: (params: unknown) => {
              const points = params as { dataIndex: number; seriesIndex: number }[];
              const index = points[0]?.dataIndex ?? 0;
              return tooltipContent(
                categories[index] ?? '',
                points.map((point) => {
                  const value = series[point.seriesIndex]?.values[index];
                  const shown = value === null || value === undefined ? '—' : format(value);
                  return `${series[point.seriesIndex]?.name ?? ''}: ${shown}`;
                }),
              );
            },
          },
          xAxis: {
            type: 'category',
            data: [...categories],
            // The end labels align inwards: centred under the last point, a long one ("$400.00 or
            // more") would run past the canvas and be cut off.
            axisLabel: { color: text, hideOverlap: true, alignMinLabel: 'left', alignMaxLabel: 'right' },
            axisLine: { lineStyle: { color: grid } },
            axisTick: { show: false },
          },
          yAxis: {
            type: 'value',
            // Bars are read by their length, so they start at 0; lines may zoom to their range.
            scale: !series.some((line) => line.type === 'bar'),
            axisLabel: { color: text, formatter: (value: number) => format(value) },
            splitLine: { lineStyle: { color: grid } },
          },
          series: series.map((line) =>
            line.type === 'bar'
              ? { type: 'bar', name: line.name, data: [...line.values], stack: line.stack, barMaxWidth: 28 }
              : {
                  type: 'line',
                  name: line.name,
                  data: [...line.values],
                  showSymbol: categories.length <= 24,
                  symbolSize: 5,
                  lineStyle: { width: 2.5 },
                  connectNulls: false,
                },
          ),
        });
        observer = new ResizeObserver(() => chart?.resize());
        observer.observe(container.current);
      },
      () => setFailed(true),
    );
    return () => {
      disposed = true;
      observer?.disconnect();
      chart?.dispose();
    };
  }, [categories, series, format, resolved]);

  return (
    <>
      <ul className="legend">
        {series.map((line, index) => (
          <li key={line.name}>
            <span className="legend-swatch" data-series={index % SERIES_COLOURS} aria-hidden="true" />
            {line.name}
          </li>
        ))}
      </ul>
      {failed ? (
        <p role="alert">{t('chart.failed')}</p>
      ) : (
        <div className="chart" ref={container} role="img" aria-label={label} aria-describedby={tableId} />
      )}
      <details className="data-table">
        <summary>{t('chart.showTable')}</summary>
        <div className="data-table-scroll">
          <table id={tableId}>
            <caption className="visually-hidden">{label}</caption>
            <thead>
              <tr>
                <th scope="col">{categoryHeading}</th>
                {series.map((line) => (
                  <th scope="col" key={line.name}>
                    {line.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {categories.map((category, index) => (
                <tr key={category}>
                  <th scope="row">{category}</th>
                  {series.map((line) => {
                    const value = line.values[index];
                    return (
                      <td key={line.name}>{value === null || value === undefined ? '—' : format(value)}</td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </>
  );
}
