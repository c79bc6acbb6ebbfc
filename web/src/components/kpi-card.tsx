/**
 * One KPI: its name, its value for the chosen period and its change against the period before.
 * The card carries `data-kpi` (the API's field name) and `data-value` (the raw number from the API,
 * `null` when undefined) — a contract tests outside the project rely on. Its name is a button that
 * shows the explanation (and, for CRR, S, E and N) on hover and on keyboard focus; Escape hides it.
 */
import { type ReactNode, useId, useRef, useState } from 'react';

export type Tone = 'good' | 'bad' | 'neutral';

export interface KpiChange {
  /** The change in words and figures, e.g. `+1.9 pp`. */
  readonly delta: string;
  /** What it is compared with, e.g. `vs April 1998`. */
  readonly against: string;
  /** The same for a screen reader, e.g. `Up 1.9 points from April 1998`. */
  readonly spoken: string;
  readonly tone: Tone;
}

export interface KpiCardProps {
  readonly field: string;
  readonly value: number | null;
  readonly label: string;
  readonly formatted: string;
  readonly change: KpiChange | null;
  /** Shown when nothing to compare with. */
  readonly noChange: string;
  readonly explanation: ReactNode;
}

function InfoIcon() {
  return (
    <svg className="info-icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <circle cx="8" cy="8" r="7" fill="none" stroke="currentColor" strokeWidth="1.5" />
      <path d="M8 7v4.5M8 4.6v.1" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" />
    </svg>
  );
}

export function KpiCard({ field, value, label, formatted, change, noChange, explanation }: KpiCardProps) {
  const tooltipId = useId();
  const card = useRef<HTMLLIElement>(null);
  const [open, setOpenState] = useState(false);
  const [alignEnd, setAlignEnd] = useState(false);
  const setOpen = (next: boolean | ((shown: boolean) => boolean)) => {
    // Near the window's right edge the explanation opens leftwards, so it stays on screen.
    const box = card.current?.getBoundingClientRect();
    if (box) setAlignEnd(box.left + 20 * 16 > window.innerWidth);
    setOpenState(next);
  };
  return (
    <li
      ref={card}
      className="kpi"
      data-kpi={field}
      data-value={value === null ? 'null' : String(value)}
      onMouseEnter={() => setOpen(true)}
      onMouseLeave={() => setOpen(false)}
    >
      <button
        type="button"
        className="kpi-label"
        aria-describedby={tooltipId}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onClick={() => setOpen((shown) => !shown)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') setOpen(false);
        }}
      >
        {label}
        <InfoIcon />
      </button>
      <p className="kpi-value">{formatted}</p>
      {change ? (
        <p className="kpi-change" data-tone={change.tone}>
          <span aria-hidden="true">
            <span className="delta">{change.delta}</span> {change.against}
          </span>
          <span className="visually-hidden">{change.spoken}</span>
        </p>
      ) : (
        <p className="kpi-change">{noChange}</p>
      )}
      <div
        className="tooltip"
        role="tooltip"
        id={tooltipId}
        hidden={!open}
        data-align={alignEnd ? 'end' : 'start'}
      >
        {explanation}
      </div>
    </li>
  );
}

/** A placeholder card while the figures load. */
export function KpiSkeleton() {
  return (
    <li className="kpi" aria-hidden="true">
      <div className="skeleton skeleton-line" />
      <div className="skeleton skeleton-value" />
      <div className="skeleton skeleton-line" />
    </li>
  );
}
