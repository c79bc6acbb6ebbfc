/**
 * A box that scrolls sideways when its content is wider (a table at phone width): focusable and
 * named, so a keyboard can scroll it (WCAG 2.1.1; axe's scrollable-region-focusable).
 */
import type { ReactNode } from 'react';

export function ScrollRegion({ label, children }: { readonly label: string; readonly children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to be scrolled.
    <section className="table-scroll" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
