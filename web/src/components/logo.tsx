/** Retain's mark (decorative: the name beside it is the text). */
export function Logo() {
  return (
    <svg className="brand-logo" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="7" fill="#1d4ed8" />
      <path
        d="M9 23V9h7.5a4.5 4.5 0 0 1 0 9H13m3 0 5 5"
        fill="none"
        stroke="#fff"
        strokeWidth="3"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}
