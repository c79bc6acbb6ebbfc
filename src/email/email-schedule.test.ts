/**
 * Quiet hours in the customer's time zone (`endOfQuietHours`), the expected instants worked by hand
 * from the IANA rules: Europe/Paris is UTC+1 in winter and UTC+2 from 02:00 local on the last
 * Sunday of March (2026-03-29); America/New_York is UTC−5 in winter.
 */
import { describe, expect, it } from 'vitest';
import { endOfQuietHours, minutesOf } from './email-schedule.js';

const NIGHT = { start: '21:00', end: '08:00' };

describe('endOfQuietHours', () => {
  it('leaves an instant outside quiet hours alone', () => {
    const at = Date.UTC(2026, 0, 15, 12); // 13:00 in Paris
    expect(endOfQuietHours(at, 'Europe/Paris', NIGHT)).toBe(at);
    expect(endOfQuietHours(at, 'Europe/Paris', null)).toBe(at);
  });

  it('moves an evening instant to 08:00 the next morning, local time', () => {
    // 22:30 in Paris on 15 January (UTC+1) → 08:00 on the 16th = 07:00 UTC.
    expect(endOfQuietHours(Date.UTC(2026, 0, 15, 21, 30), 'Europe/Paris', NIGHT)).toBe(
      Date.UTC(2026, 0, 16, 7),
    );
    // 05:00 in New York (UTC−5) → 08:00 the same day = 13:00 UTC.
    expect(endOfQuietHours(Date.UTC(2026, 0, 15, 10), 'America/New_York', NIGHT)).toBe(
      Date.UTC(2026, 0, 15, 13),
    );
  });

  it('follows a daylight-saving change during the night', () => {
    // 23:00 in Paris on 28 March (UTC+1); the clocks go forward that night, so 08:00 on the 29th
    // is UTC+2 = 06:00 UTC.
    expect(endOfQuietHours(Date.UTC(2026, 2, 28, 22), 'Europe/Paris', NIGHT)).toBe(Date.UTC(2026, 2, 29, 6));
  });

  it('takes a window within one day, an unknown zone as UTC, and an empty window as none', () => {
    const lunch = { start: '12:00', end: '14:00' };
    expect(endOfQuietHours(Date.UTC(2026, 0, 15, 12, 30), 'UTC', lunch)).toBe(Date.UTC(2026, 0, 15, 14));
    expect(endOfQuietHours(Date.UTC(2026, 0, 15, 23), 'Mars/Olympus', NIGHT)).toBe(Date.UTC(2026, 0, 16, 8));
    const at = Date.UTC(2026, 0, 15, 23);
    expect(endOfQuietHours(at, 'UTC', { start: '08:00', end: '08:00' })).toBe(at);
  });

  it('reads HH:MM strictly', () => {
    expect(minutesOf('21:30')).toBe(1290);
    expect(minutesOf('24:00')).toBeUndefined();
    expect(minutesOf('9:00')).toBeUndefined();
  });
});
