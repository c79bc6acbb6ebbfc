/**
 * The public help centre's one stylesheet, served at `/help/assets/help.css` (the content
 * security policy allows no inline style). Light and dark through `prefers-color-scheme`; one
 * column at a phone's width. Colours meet WCAG AA contrast (4.5:1 for text) in both schemes.
 */
export const HELP_CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --surface: #f5f7fa; --text: #1a1f29; --muted: #4d5666; --border: #d5dae3;
  --accent: #0b57d0; --accent-text: #ffffff; --focus: #0b57d0; --mark: #fff3b0;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "PingFang SC", "Noto Sans SC", "Microsoft YaHei", sans-serif;
  line-height: 1.6;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #11151c; --surface: #1b212b; --text: #e7ebf2; --muted: #a9b3c3; --border: #343d4c;
    --accent: #8ab4f8; --accent-text: #0b1220; --focus: #8ab4f8; --mark: #5c4d00;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--text); font-size: 1rem; }
a { color: var(--accent); text-underline-offset: 0.15em; }
a:focus-visible, button:focus-visible, input:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.wrap { max-width: 60rem; margin: 0 auto; padding: 0 1.25rem; }
.skip { position: absolute; left: -999px; top: 0.5rem; background: var(--bg); padding: 0.5rem 1rem; z-index: 1; }
.skip:focus { left: 0.5rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
header.site { background: var(--surface); border-bottom: 1px solid var(--border); padding: 1rem 0 1.5rem; }
.bar { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; justify-content: space-between; }
.brand { font-weight: 700; font-size: 1.125rem; color: var(--text); text-decoration: none; }
.languages ul { list-style: none; display: flex; gap: 0.75rem; margin: 0; padding: 0; }
.languages a[aria-current] { font-weight: 700; color: var(--text); text-decoration: none; }
form.search { display: flex; gap: 0.5rem; margin-top: 1rem; }
form.search input { flex: 1; min-width: 0; font: inherit; padding: 0.625rem 0.75rem; border: 1px solid var(--muted);
  border-radius: 0.5rem; background: var(--bg); color: var(--text); }
button, .button { font: inherit; padding: 0.625rem 1rem; border-radius: 0.5rem; border: 1px solid var(--accent);
  background: var(--accent); color: var(--accent-text); cursor: pointer; }
button.secondary { background: transparent; color: var(--accent); }
main { padding: 1.5rem 0 3rem; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.25rem; line-height: 1.3; margin: 2rem 0 0.75rem; }
h3 { font-size: 1.0625rem; }
.lead { color: var(--muted); margin-top: 0; }
.cards { list-style: none; padding: 0; margin: 0; display: grid; gap: 1rem; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); }
.cards li { border: 1px solid var(--border); border-radius: 0.75rem; padding: 1rem 1.125rem; background: var(--surface); }
.cards a { font-weight: 600; font-size: 1.0625rem; }
.cards p { margin: 0.375rem 0 0; color: var(--muted); }
ul.articles { padding-left: 1.25rem; }
ul.articles li { margin: 0.375rem 0; }
ol.results { list-style: none; padding: 0; }
ol.results li { padding: 0.875rem 0; border-bottom: 1px solid var(--border); }
ol.results a { font-weight: 600; font-size: 1.0625rem; }
ol.results p { margin: 0.25rem 0 0; color: var(--muted); overflow-wrap: anywhere; }
nav.crumbs ol { list-style: none; display: flex; flex-wrap: wrap; gap: 0.25rem; padding: 0; margin: 0; color: var(--muted); font-size: 0.9375rem; }
nav.crumbs li + li::before { content: "›"; margin-right: 0.25rem; }
.meta { color: var(--muted); font-size: 0.9375rem; }
.notice { border-left: 4px solid var(--accent); background: var(--surface); padding: 0.75rem 1rem; border-radius: 0.25rem; }
.body-text { overflow-wrap: anywhere; }
.body-text img { max-width: 100%; height: auto; }
.body-text pre { background: var(--surface); border: 1px solid var(--border); border-radius: 0.5rem; padding: 0.75rem; overflow-x: auto; }
.body-text code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9375em; }
.body-text table { border-collapse: collapse; display: block; overflow-x: auto; }
.body-text th, .body-text td { border: 1px solid var(--border); padding: 0.375rem 0.625rem; }
.body-text blockquote { margin: 1rem 0; padding: 0.25rem 1rem; border-left: 4px solid var(--border); color: var(--muted); }
section.feedback { margin-top: 2.5rem; padding: 1rem 1.125rem; border: 1px solid var(--border); border-radius: 0.75rem; }
section.feedback form { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: center; }
section.feedback fieldset { border: 0; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: center; }
section.feedback legend { font-weight: 600; padding: 0; margin-bottom: 0.5rem; width: 100%; }
footer.site { border-top: 1px solid var(--border); padding: 1.25rem 0 2rem; color: var(--muted); font-size: 0.9375rem; }
@media (max-width: 30rem) {
  h1 { font-size: 1.5rem; }
  form.search button { padding: 0.625rem 0.75rem; }
}
`;
