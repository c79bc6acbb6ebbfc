/**
 * Templates: LiquidJS with every `{{ output }}` HTML-escaped unless the author writes `| raw`
 * (`outputEscape: 'escape'`), unknown filters refused when the template is parsed
 * (`strictFilters`), only own properties readable (`ownPropertyOnly`: no prototype walks), and
 * bounded: a template of at most `MAX_TEMPLATE_CHARS`, a render of at most `RENDER_LIMIT_MS` of
 * rendering time and `MEMORY_LIMIT` of allocations (LiquidJS counts both, so a loop over a huge
 * range stops with an error instead of stalling the server). Parsed templates are kept (a bounded
 * map) so a flow step sending to thousands parses its template once.
 */
import { compile } from 'html-to-text';
import { Liquid, LiquidError, type Template } from 'liquidjs';

/** Longest template source, characters (a subject or an HTML body). */
export const MAX_TEMPLATE_CHARS = 200_000;
/** Longest time one render may take, ms. */
export const RENDER_LIMIT_MS = 1_000;
/** Most bytes one render may allocate for its output and ranges (LiquidJS's count). */
export const MEMORY_LIMIT = 20_000_000;
/** Parsed templates kept. */
const CACHED_TEMPLATES = 256;

const engine = new Liquid({
  outputEscape: 'escape',
  strictFilters: true,
  ownPropertyOnly: true,
  parseLimit: MAX_TEMPLATE_CHARS,
  renderLimit: RENDER_LIMIT_MS,
  memoryLimit: MEMORY_LIMIT,
  // No file system: `include` / `render` of files finds nothing.
  relativeReference: false,
  root: [],
  partials: [],
  fs: {
    exists: async () => false,
    existsSync: () => false,
    readFile: async () => '',
    readFileSync: () => '',
    resolve: (_root: string, file: string) => file,
  },
});

const parsed = new Map<string, Template[]>();

/** One problem found in a template, where LiquidJS could place it (1-based line and column). */
export interface TemplateProblem {
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/** Thrown by `renderTemplate` when a template does not parse or its render fails (or hits a limit). */
export class TemplateError extends Error {
  readonly problems: readonly TemplateProblem[];
  constructor(problems: readonly TemplateProblem[]) {
    super(problems.map((problem) => problemText(problem)).join('; '));
    this.name = 'TemplateError';
    this.problems = problems;
  }
}

function problemText(problem: TemplateProblem): string {
  return problem.line === undefined
    ? problem.message
    : `${problem.message} (line ${problem.line}, column ${problem.column})`;
}

/** A LiquidJS error as a problem: its message without the position suffix, and the position. */
function problemOf(error: unknown): TemplateProblem {
  if (error instanceof LiquidError) {
    const message = error.message.replace(/, line:\d+, col:\d+$/, '');
    const position = (
      error as unknown as { token?: { getPosition?: () => number[] } }
    ).token?.getPosition?.();
    const [line, column] = position ?? [];
    return line === undefined || column === undefined ? { message } : { message, line, column };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

function parse(source: string): Template[] {
  const cached = parsed.get(source);
  if (cached !== undefined) return cached;
  if (source.length > MAX_TEMPLATE_CHARS) {
    throw new TemplateError([{ message: `The template is longer than ${MAX_TEMPLATE_CHARS} characters.` }]);
  }
  let templates: Template[];
  try {
    templates = engine.parse(source);
  } catch (error) {
    throw new TemplateError([problemOf(error)]);
  }
  if (parsed.size >= CACHED_TEMPLATES) {
    const oldest = parsed.keys().next().value;
    if (oldest !== undefined) parsed.delete(oldest);
  }
  parsed.set(source, templates);
  return templates;
}

/**
 * Validates a template when it is saved: Liquid syntax errors (an unclosed tag, a bad
 * expression) and unknown filters or tags, each with its line and column, and the length limit.
 * O(length). Example: `checkTemplate('Hi {{ name | shout }}')` →
 * `{ ok: false, problems: [{ message: 'undefined filter: shout', line: 1, column: 4 }] }`.
 */
export function checkTemplate(
  source: string,
): { ok: true } | { ok: false; problems: { message: string; line?: number; column?: number }[] } {
  try {
    parse(source);
    return { ok: true };
  } catch (error) {
    if (error instanceof TemplateError) return { ok: false, problems: [...error.problems] };
    throw error;
  }
}

/**
 * Renders `source` with `variables` (escaped output; see the file comment). Throws
 * `TemplateError` on a parse error or a failed render, including a render past the limits.
 */
export async function renderTemplate(source: string, variables: Record<string, unknown>): Promise<string> {
  const templates = parse(source);
  try {
    return await engine.render(templates, variables);
  } catch (error) {
    throw new TemplateError([problemOf(error)]);
  }
}

// Compiled once: `convert` would build the formatter from its options on every call (most of its cost).
const toPlainText = compile({
  wordwrap: 78,
  selectors: [
    { selector: 'img', format: 'skip' },
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
  ],
});

/**
 * The plain-text part of an e-mail from its rendered HTML (html-to-text): paragraphs and line
 * breaks kept, links as `text [url]`, images left out, lines wrapped at 78 characters (RFC 5322
 * §2.1.1's recommendation). O(length). Throws `TemplateError` for HTML nested too deep to walk.
 */
export function plainTextOf(html: string): string {
  try {
    return toPlainText(html);
  } catch (error) {
    // html-to-text recurses once per nested element: HTML nested thousands deep (written out or
    // made by a loop) overflows the stack. It is the template's problem, reported as one.
    if (error instanceof RangeError) {
      throw new TemplateError([
        {
          message: 'The rendered HTML nests elements too deep (thousands of levels) to make its plain text.',
        },
      ]);
    }
    throw error;
  }
}
