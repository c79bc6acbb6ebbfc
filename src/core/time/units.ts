/**
 * Lengths of time the core converts between. A month is one twelfth of a 365.25-day (Julian) year
 * everywhere — CLV horizons, survival in months, at-risk horizons — so that "12 months" is always
 * one year of 365.25 days and two numbers in months can be compared.
 */

/** Milliseconds in a day (a UTC day; local days are cut by `LocalDayMapper`). */
export const MS_PER_DAY = 86_400_000;
/** Days in Retain's year: 365.25 (the Julian year, the mean over a leap cycle of four). */
export const DAYS_PER_YEAR = 365.25;
/** Days in Retain's month: 365.25 / 12 = 30.4375. */
export const DAYS_PER_MONTH = DAYS_PER_YEAR / 12;
