import { describe, expect, it } from 'vitest';
import { trackingSnippet } from './tracking-snippets';

describe('tracking snippets', () => {
  it('point analytics.js at this host’s /v1 with its protocol, and never at Segment’s CDN settings', () => {
    const snippet = trackingSnippet('browser', 'https://retain.example.com:8443', 'wk_abc');
    expect(snippet).toContain('writeKey: "wk_abc"');
    expect(snippet).toContain('apiHost: "retain.example.com:8443/v1"');
    expect(snippet).toContain('protocol: "https"');
    expect(snippet).toContain('cdnSettings');
  });

  it('give the Node and Python libraries the origin (they add /v1/batch themselves)', () => {
    const node = trackingSnippet('node', 'http://localhost:3000', 'wk_abc');
    expect(node).toContain(`new Analytics({ writeKey: "wk_abc", host: "http://localhost:3000" })`);
    const python = trackingSnippet('python', 'http://localhost:3000', 'wk_abc');
    expect(python).toContain(`analytics.write_key = 'wk_abc'`);
    expect(python).toContain(`analytics.host = 'http://localhost:3000'`);
  });
});
