/**
 * The copy-paste code that sends a site's or a server's events to this Retain with Segment's own
 * client libraries (docs/api.md, "Tracking"): analytics.js (`@segment/analytics-next`), Node
 * (`@segment/analytics-node`) and Python (`segment-analytics-python`). Each points the library at
 * this server's `/v1` and authenticates with the workspace's write key.
 */

export type SnippetLanguage = 'browser' | 'node' | 'python';
export const SNIPPET_LANGUAGES: readonly SnippetLanguage[] = ['browser', 'node', 'python'];

/** The snippet for `language`, for the server at `origin` (`https://retain.example.com`). */
export function trackingSnippet(language: SnippetLanguage, origin: string, writeKey: string): string {
  const url = new URL(origin);
  const key = JSON.stringify(writeKey);
  switch (language) {
    case 'browser':
      // analytics.js posts to `<protocol>://<apiHost>/<t|i|p…>`; with settings given here it
      // fetches none from Segment's CDN, which does not know a Retain key.
      return `// npm install @segment/analytics-next
import { AnalyticsBrowser } from '@segment/analytics-next';

export const analytics = AnalyticsBrowser.load({
  writeKey: ${key},
  cdnSettings: {
    integrations: {
      'Segment.io': {
        apiKey: ${key},
        apiHost: ${JSON.stringify(`${url.host}/v1`)},
        protocol: ${JSON.stringify(url.protocol.replace(':', ''))},
      },
    },
  },
});

analytics.identify('customer-42', { email: 'ada@example.com' });
analytics.track('Order Completed', { total: 49.5 });`;
    case 'node':
      return `// npm install @segment/analytics-node
import { Analytics } from '@segment/analytics-node';

const analytics = new Analytics({ writeKey: ${key}, host: ${JSON.stringify(url.origin)} });

analytics.identify({ userId: 'customer-42', traits: { email: 'ada@example.com' } });
analytics.track({ userId: 'customer-42', event: 'Order Completed', properties: { total: 49.5 } });
await analytics.closeAndFlush();`;
    case 'python':
      return `# pip install segment-analytics-python
import segment.analytics as analytics

analytics.write_key = ${JSON.stringify(writeKey).replaceAll('"', "'")}
analytics.host = '${url.origin}'

analytics.identify('customer-42', {'email': 'ada@example.com'})
analytics.track('customer-42', 'Order Completed', {'total': 49.5})
analytics.flush()`;
  }
}
