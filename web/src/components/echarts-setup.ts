/**
 * ECharts with only what the dashboard draws: line and bar charts on a grid with an axis tooltip,
 * on canvas (the cohort heatmap is an HTML table, so no heatmap chart). Imported lazily by line-chart.tsx, so the charting code is a separate chunk that loads
 * after the first paint.
 */
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

use([LineChart, BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

export type { EChartsType } from 'echarts/core';
export { init };
