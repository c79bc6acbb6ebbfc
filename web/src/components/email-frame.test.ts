/** What the e-mail frame takes out of a message before drawing it (email-frame.tsx). */
import { describe, expect, it } from 'vitest';
import { prepareEmail } from './email-frame';

describe('prepareEmail', () => {
  it('moves inline styles and style sheets aside, drops scripts, and fetches no remote image', () => {
    const prepared = prepareEmail(
      [
        '<style type="text/css">p { color: red }</style>',
        '<script>alert(1)</script><link rel="stylesheet" href="https://x.example/a.css">',
        '<table STYLE="width: 100%" background="https://x.example/bg.png"><tr><td style=\'padding: 4px\'>Hi</td></tr></table>',
        '<img alt="pixel" src="https://shop.example/o/abc.gif" width="1"><img src="data:image/png;base64,AAAA">',
        '<p data-style="kept">a style="word" in text stays</p>',
      ].join(''),
    );
    expect(prepared.sheets).toEqual(['p { color: red }']);
    expect(prepared.images).toBe(1);
    expect(prepared.markup).toBe(
      [
        '<table data-retain-style="width: 100%" data-retain-background="https://x.example/bg.png"><tr><td data-retain-style=\'padding: 4px\'>Hi</td></tr></table>',
        '<img alt="pixel" data-retain-src="https://shop.example/o/abc.gif" width="1"><img src="data:image/png;base64,AAAA">',
        '<p data-style="kept">a style="word" in text stays</p>',
      ].join(''),
    );
  });
});
