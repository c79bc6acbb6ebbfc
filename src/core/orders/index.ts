export { type OrderMetrics, type OrderMetricsOptions, orderMetrics } from './order-metrics.js';
