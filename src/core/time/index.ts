export {
  addLocalDays,
  addPeriods,
  assertTimeZone,
  type CalendarOptions,
  GRANULARITIES,
  type Granularity,
  type GridOptions,
  instantFromLocal,
  isTimeZone,
  LocalDayMapper,
  localDayNumber,
  PeriodGrid,
  periodLabel,
  periodStart,
  type WeekStart,
} from './periods.js';
export { DAYS_PER_MONTH, DAYS_PER_YEAR, MS_PER_DAY } from './units.js';
