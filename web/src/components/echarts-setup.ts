/**
 * ECharts with only what the dashboard draws: line charts on a grid with an axis tooltip, on
 * canvas. Imported lazily by line-chart.tsx, so the charting code is a separate chunk that loads
 * after the first paint.
 */
import { LineChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

use([LineChart, GridComponent, TooltipComponent, CanvasRenderer]);

export type { EChartsType } from 'echarts/core';
export { init };
