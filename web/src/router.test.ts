import { describe, expect, it } from 'vitest';
import { matchPath } from './router';

describe('matchPath', () => {
  it('matches literal paths and ignores a trailing slash', () => {
    expect(matchPath('/', '/')).toEqual({});
    expect(matchPath('/cohorts', '/cohorts/')).toEqual({});
    expect(matchPath('/cohorts', '/customers')).toBeNull();
  });

  it('decodes parameters and refuses other lengths or undecodable segments', () => {
    expect(matchPath('/customers/:id', '/customers/a%20b')).toEqual({ id: 'a b' });
    expect(matchPath('/customers/:id', '/customers')).toBeNull();
    expect(matchPath('/customers/:id', '/customers/1/orders')).toBeNull();
    expect(matchPath('/customers/:id', '/customers/%E0%A4%A')).toBeNull();
  });
});
