/**
 * Article bodies: Markdown rendered to HTML for the public site and the editor's preview, and to
 * plain text for search. markdown-it with raw HTML off, so an article can hold no tag, script or
 * event handler of its own: every `<` in the source comes out escaped. Its link check refuses
 * `javascript:`, `vbscript:`, `file:` and `data:` URLs (but data: images); links get
 * `rel="nofollow ugc noopener"`.
 */
import MarkdownIt from 'markdown-it';

/** Longest article body accepted, in characters (a long manual page is ~50,000). */
export const MAX_ARTICLE_BODY_LENGTH = 100_000;

const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });

const defaultLinkOpen =
  markdown.renderer.rules.link_open ??
  ((tokens, index, options, _env, self) => self.renderToken(tokens, index, options));
markdown.renderer.rules.link_open = (tokens, index, options, env, self) => {
  tokens[index]?.attrSet('rel', 'nofollow ugc noopener');
  return defaultLinkOpen(tokens, index, options, env, self);
};
// Headings inside an article start at level 2: the page's <h1> is the article's title.
const defaultHeadingOpen =
  markdown.renderer.rules.heading_open ??
  ((tokens, index, options, _env, self) => self.renderToken(tokens, index, options));
markdown.renderer.rules.heading_open = (tokens, index, options, env, self) => {
  const token = tokens[index];
  if (token?.tag === 'h1') {
    token.tag = 'h2';
    // Its closing token follows its inline content (index + 2): walk forward to it, never copying
    // the rest of the list (a copy per heading made a body of many headings quadratic).
    for (let next = index + 1; next < tokens.length; next++) {
      const candidate = tokens[next]!;
      if (candidate.type === 'heading_close') {
        candidate.tag = 'h2';
        break;
      }
    }
  }
  return defaultHeadingOpen(tokens, index, options, env, self);
};

/** The article's HTML (safe to put in a page as is). O(length of body). */
export function renderArticleHtml(body: string): string {
  return markdown.render(body);
}

/**
 * The article's words as plain text — no Markdown syntax, no link targets — blocks separated by
 * a newline. What search indexes and snippets quote. O(length of body).
 * Example: `plainTextOf('# Refunds\n\nSee **[the form](https://x)**.')` → `'Refunds\nSee the form.'`.
 */
export function plainTextOf(body: string): string {
  const lines: string[] = [];
  for (const token of markdown.parse(body, {})) {
    if (token.type === 'inline') {
      const text = (token.children ?? [])
        .map((child) =>
          child.type === 'text' || child.type === 'code_inline'
            ? child.content
            : child.type === 'softbreak' || child.type === 'hardbreak'
              ? ' '
              : child.type === 'image'
                ? (child.children?.map((part) => part.content).join('') ?? '')
                : '',
        )
        .join('');
      if (text.trim() !== '') lines.push(text.trim());
    } else if ((token.type === 'fence' || token.type === 'code_block') && token.content.trim() !== '') {
      lines.push(token.content.trim());
    }
  }
  return lines.join('\n');
}
