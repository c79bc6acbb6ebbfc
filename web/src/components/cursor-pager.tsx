/**
 * Paging a list by the API's opaque cursors, forward only: the page shown is the last cursor
 * asked for; "first" goes back to the start, "more" to the page after the one shown.
 */
import { useState } from 'react';

export interface CursorPages {
  /** The cursor of the page shown (null: the first page). */
  readonly cursor: string | null;
  /** Whether a later page is shown (the "first" button is worth showing). */
  readonly pastFirst: boolean;
  first(): void;
  more(nextCursor: string): void;
}

export function useCursorPages(): CursorPages {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return {
    cursor: cursors.at(-1) ?? null,
    pastFirst: cursors.length > 1,
    first: () => setCursors([null]),
    more: (nextCursor) => setCursors((list) => [...list, nextCursor]),
  };
}

/** The "first" and "more" buttons under a list; each shows only when it leads somewhere. */
export function CursorPager({
  pages,
  nextCursor,
  firstLabel,
  moreLabel,
}: {
  readonly pages: CursorPages;
  readonly nextCursor: string | null;
  readonly firstLabel: string;
  readonly moreLabel: string;
}) {
  return (
    <div className="pager">
      {pages.pastFirst && (
        <button type="button" className="button-quiet" onClick={pages.first}>
          {firstLabel}
        </button>
      )}
      {nextCursor !== null && (
        <button type="button" className="button-quiet" onClick={() => pages.more(nextCursor)}>
          {moreLabel}
        </button>
      )}
    </div>
  );
}
