/**
 * A rendered e-mail in a sandboxed frame: no script runs in it, no form submits, no link leaves
 * the frame. The dashboard's content security policy (no inline style, images from itself only)
 * also governs a `srcdoc` frame, and e-mail HTML is styled inline; so the message is prepared first
 * (in an inert parsed document): its `style` attributes and `<style>` sheets are taken out and
 * applied through the CSS object model once the frame has loaded (which the policy allows), and
 * its images are not fetched — a remote image would be refused, and the open pixel would count as
 * an open; a link opens nothing (a click would count as one). The frame is same-origin (without scripts) only so that this page can apply the styles.
 */
import { useMemo, useRef } from 'react';

interface Prepared {
  readonly markup: string;
  readonly sheets: readonly string[];
  readonly images: number;
}

const STYLE = 'data-retain-style';

/**
 * The message without inline styles, style sheets or image sources (see above), by text: parsing
 * it into a document, even an inert one, would already apply the page's policy to its styles.
 */
export function prepareEmail(html: string): Prepared {
  const sheets: string[] = [];
  let markup = html.replace(/<style\b[^>]*>([\s\S]*?)<\/style\s*>/gi, (_, sheet: string) => {
    sheets.push(sheet);
    return '';
  });
  markup = markup.replace(/<(?:link|script|base|meta)\b[^>]*>(?:[\s\S]*?<\/script\s*>)?/gi, '');
  markup = markup.replace(/(<[a-z][^>]*?\s)style(\s*=)/gi, `$1${STYLE}$2`);
  let images = 0;
  markup = markup.replace(
    /(<(?:img|source)\b[^>]*?\s)(src|srcset)(\s*=\s*)("[^"]*"|'[^']*'|[^\s>]+)/gi,
    (whole, before: string, name: string, equals: string, value: string) => {
      if (/^["']?data:/i.test(value)) return whole;
      images += 1;
      return `${before}data-retain-${name}${equals}${value}`;
    },
  );
  markup = markup.replace(/(<[a-z][^>]*?\s)background(\s*=)/gi, '$1data-retain-background$2');
  return { markup, sheets, images };
}

export function EmailFrame({
  html,
  title,
  imagesNote,
}: {
  readonly html: string;
  readonly title: string;
  /** Said under the frame when images were left out. */
  readonly imagesNote?: string;
}) {
  const frame = useRef<HTMLIFrameElement>(null);
  const prepared = useMemo(() => prepareEmail(html), [html]);
  const applyStyles = () => {
    const document = frame.current?.contentDocument;
    const view = document?.defaultView;
    if (!document || !view) return;
    for (const element of Array.from(document.querySelectorAll<HTMLElement>(`[${STYLE}]`))) {
      element.style.cssText = element.getAttribute(STYLE) ?? '';
      element.removeAttribute(STYLE);
    }
    // A link opens nothing (the sandbox allows no pop-up), so reading a message never counts a click.
    for (const link of Array.from(document.querySelectorAll('a[href], area[href]'))) {
      link.setAttribute('target', '_blank');
      link.setAttribute('rel', 'noopener noreferrer');
    }
    if (prepared.sheets.length > 0) {
      try {
        const sheet = new view.CSSStyleSheet();
        sheet.replaceSync(prepared.sheets.join('\n'));
        document.adoptedStyleSheets = [sheet];
      } catch {
        // a sheet the browser cannot parse: the inline styles still apply
      }
    }
  };
  return (
    <>
      <iframe
        ref={frame}
        className="email-frame"
        title={title}
        sandbox="allow-same-origin"
        srcDoc={prepared.markup}
        referrerPolicy="no-referrer"
        onLoad={applyStyles}
      />
      {prepared.images > 0 && imagesNote && <p className="email-frame-note">{imagesNote}</p>}
    </>
  );
}
