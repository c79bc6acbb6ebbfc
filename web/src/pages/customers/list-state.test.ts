/** The list's state in the address bar: read, written back, and turned into the API's query. */
import { describe, expect, it } from 'vitest';
import { apiQuery, EMPTY_STATE, isFiltered, listSearch, nextOrder, parseListState } from './list-state';

describe('the customer list state', () => {
  it('reads the address bar, leaving anything malformed at its default', () => {
    const state = parseListState(
      new URLSearchParams(
        'q=ada&match=contains&segment=at_risk&risk=high&minValue=10.5&maxValue=abc&valueBy=clv&country=fr&sort=risk&direction=asc',
      ),
    );
    expect(state).toEqual({
      q: 'ada',
      anywhere: true,
      segment: 'at_risk',
      risk: 'high',
      minValue: '10.5',
      maxValue: '',
      valueBy: 'clv',
      country: 'FR',
      sort: 'risk',
      direction: 'asc',
    });
    expect(parseListState(new URLSearchParams('segment=vip&risk=99&sort=popularity&country=FRA'))).toEqual(
      EMPTY_STATE,
    );
  });

  it('asks the API for what differs from the defaults, searching by prefix unless asked for anywhere', () => {
    expect(apiQuery(EMPTY_STATE)).toEqual({});
    expect(isFiltered(EMPTY_STATE)).toBe(false);
    const state = { ...EMPTY_STATE, q: ' 00455 ', segment: 'champions' as const, sort: 'spent' as const };
    expect(apiQuery(state)).toEqual({ q: '00455', match: 'prefix', segment: 'champions', sort: 'spent' });
    expect(apiQuery(state, { withOrder: false })).toEqual({
      q: '00455',
      match: 'prefix',
      segment: 'champions',
    });
    expect(apiQuery({ ...state, anywhere: true }).match).toBe('contains');
    // The value kind is sent only with a bound.
    expect(apiQuery({ ...EMPTY_STATE, valueBy: 'clv' })).toEqual({});
    expect(apiQuery({ ...EMPTY_STATE, valueBy: 'clv', maxValue: '100' })).toEqual({
      maxValue: '100',
      valueBy: 'clv',
    });
    expect(isFiltered({ ...EMPTY_STATE, sort: 'risk' })).toBe(false);
    expect(isFiltered({ ...EMPTY_STATE, country: 'US' })).toBe(true);
  });

  it('round-trips through the address bar', () => {
    const state = {
      ...EMPTY_STATE,
      q: 'a b&c',
      risk: 'low' as const,
      minValue: '5',
      direction: 'asc' as const,
    };
    expect(parseListState(new URLSearchParams(listSearch(state)))).toEqual(state);
    expect(listSearch(EMPTY_STATE)).toBe('');
  });

  it('sorts a new column largest first, and flips the same column', () => {
    expect(nextOrder({ sort: 'newest', direction: 'desc' }, 'risk')).toEqual({
      sort: 'risk',
      direction: 'desc',
    });
    expect(nextOrder({ sort: 'risk', direction: 'desc' }, 'risk')).toEqual({
      sort: 'risk',
      direction: 'asc',
    });
    expect(nextOrder({ sort: 'risk', direction: 'asc' }, 'risk')).toEqual({
      sort: 'risk',
      direction: 'desc',
    });
  });
});
