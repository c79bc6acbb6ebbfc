/**
 * Import: choose what a CSV file holds and the file; see what the import will make of it — the
 * layout recognised from its header, the column each field is read from, the first rows and their
 * problems (the preview of its first 64 KiB) —, start it, follow its progress, then read the result
 * or the problems by line.
 */
import { type ChangeEvent, type FormEvent, type ReactNode, useEffect, useId, useState } from 'react';
import { ApiError } from '../../api';
import { ScrollRegion } from '../../components/scroll-region';
import { ErrorMessage } from '../../components/status';
import { formatCount } from '../../i18n/format';
import { type MessageKey, useI18n } from '../../i18n/i18n';
import { Link } from '../../router';
import {
  estimateRows,
  FORMATS,
  IMPORT_TYPES,
  type ImportFormat,
  type ImportType,
  isUnderWay,
  PREVIEW_BYTES,
  progressOf,
} from './import-plan';
import { type ImportRun, type Preview, useImportRun, usePreview, useStartImport } from './queries';

const TYPE_NAMES: Readonly<Record<ImportType, MessageKey>> = {
  orders: 'import.type.orders',
  customers: 'import.type.customers',
  subscriptions: 'import.type.subscriptions',
  events: 'import.type.events',
};

const FORMAT_NAMES: Readonly<Record<ImportFormat, MessageKey>> = {
  auto: 'import.format.auto',
  generic: 'import.format.generic',
  shopify: 'import.format.shopify',
  stripe: 'import.format.stripe',
};

type Map = Readonly<Record<string, string>>;

/** The rows the file probably holds, from the line breaks in its first bytes. */
function useRowEstimate(file: File | null): number | null {
  const [estimate, setEstimate] = useState<number | null>(null);
  useEffect(() => {
    setEstimate(null);
    if (!file) return;
    let current = true;
    const head = file.slice(0, PREVIEW_BYTES);
    void head.arrayBuffer().then((buffer) => {
      const bytes = new Uint8Array(buffer);
      let breaks = 0;
      for (const byte of bytes) if (byte === 10) breaks++;
      if (current) setEstimate(estimateRows(file.size, bytes.length, breaks, bytes.at(-1) === 10));
    });
    return () => {
      current = false;
    };
  }, [file]);
  return estimate;
}

export default function ImportPage() {
  const { t } = useI18n();
  const [type, setType] = useState<ImportType>('orders');
  const [format, setFormat] = useState<ImportFormat>('auto');
  const [file, setFile] = useState<File | null>(null);
  const [map, setMap] = useState<Map | null>(null);
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [runId, setRunId] = useState<string | null>(null);
  // A new attempt starts with an empty file input (an uncontrolled input keeps its file otherwise).
  const [attempt, setAttempt] = useState(0);
  const preview = usePreview(file ? { file, type, format, map } : null);
  const start = useStartImport();
  const run = useImportRun(runId);
  const estimate = useRowEstimate(file);
  const fileId = useId();

  const chooseType = (next: ImportType) => {
    setType(next);
    if (!FORMATS[next].includes(format)) setFormat('auto');
    setMap(null);
  };
  const chooseFile = (event: ChangeEvent<HTMLInputElement>) => {
    setFile(event.target.files?.[0] ?? null);
    setMap(null);
    setRunId(null);
    start.reset();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    start.mutate({ file, type, format, map, skipInvalid }, { onSuccess: (created) => setRunId(created.id) });
  };
  const again = () => {
    setAttempt((count) => count + 1);
    setFile(null);
    setMap(null);
    setRunId(null);
    start.reset();
  };

  const shown = preview.data;
  const ready = shown !== undefined && shown.missing.length === 0 && !preview.isFetching;
  const started = runId !== null;

  return (
    <>
      <div className="page-head">
        <h1 className="page-title">{t('import.title')}</h1>
      </div>
      <form className="import-card" onSubmit={submit} aria-labelledby="import-choose">
        <h2 id="import-choose">{t('import.choose')}</h2>
        <p className="settings-hint">{t('import.intro')}</p>
        <div className="settings-grid">
          <label className="field">
            <span className="field-label">{t('import.typeLabel')}</span>
            <select
              className="select"
              name="type"
              value={type}
              disabled={started}
              onChange={(event) => chooseType(event.target.value as ImportType)}
            >
              {IMPORT_TYPES.map((option) => (
                <option key={option} value={option}>
                  {t(TYPE_NAMES[option])}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="field-label">{t('import.formatLabel')}</span>
            <select
              className="select"
              name="format"
              value={format}
              disabled={started}
              onChange={(event) => {
                setFormat(event.target.value as ImportFormat);
                setMap(null);
              }}
            >
              {FORMATS[type].map((option) => (
                <option key={option} value={option}>
                  {t(FORMAT_NAMES[option])}
                </option>
              ))}
            </select>
          </label>
          <div className="field">
            <label className="field-label" htmlFor={fileId}>
              {t('import.fileLabel')}
            </label>
            <input
              key={attempt}
              id={fileId}
              className="input file-input"
              name="file"
              type="file"
              accept=".csv,.txt,text/csv,text/plain"
              disabled={started}
              onChange={chooseFile}
            />
          </div>
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            name="skipInvalid"
            checked={skipInvalid}
            disabled={started}
            onChange={(event) => setSkipInvalid(event.target.checked)}
          />
          <span>{t('import.skipInvalid')}</span>
        </label>
        {file && preview.isError && <PreviewError error={preview.error} />}
        {file && shown && (
          <PreviewView
            preview={shown}
            file={file}
            map={map}
            busy={preview.isFetching}
            locked={started}
            onMap={(field, column) => setMap({ ...shown.mapping, ...map, [field]: column })}
          />
        )}
        {file && !started && (
          <div className="settings-actions">
            <button type="submit" className="button" disabled={!ready || start.isPending}>
              {start.isPending ? t('import.uploading') : t('import.start')}
            </button>
            {shown && shown.missing.length > 0 && (
              <span className="settings-hint">{t('import.cannotStart')}</span>
            )}
          </div>
        )}
        {start.isError && <ErrorMessage error={start.error} />}
      </form>
      {started && (
        <RunView run={run.data ?? null} error={run.error} file={file} estimate={estimate} onAgain={again} />
      )}
    </>
  );
}

function PreviewError({ error }: { readonly error: unknown }) {
  const { t } = useI18n();
  if (error instanceof ApiError && (error.status === 400 || error.status === 413)) {
    return (
      <p className="form-error" role="alert">
        {t('import.unreadable')}
      </p>
    );
  }
  return <ErrorMessage error={error} />;
}

interface PreviewViewProps {
  readonly preview: Preview;
  readonly file: File;
  readonly map: Map | null;
  readonly busy: boolean;
  readonly locked: boolean;
  readonly onMap: (field: string, column: string) => void;
}

function PreviewView({ preview, file, map, busy, locked, onMap }: PreviewViewProps) {
  const { t, locale } = useI18n();
  const layout = t(FORMAT_NAMES[preview.layout]);
  return (
    <section
      className="import-preview"
      aria-labelledby="import-preview-title"
      aria-busy={busy}
      data-layout={preview.layout}
    >
      <h2 id="import-preview-title">{t('import.preview')}</h2>
      <p className="detected" role="status">
        {preview.detectedBy === 'header'
          ? t('import.detectedFromHeader', { layout, type: t(TYPE_NAMES[preview.type]) })
          : t('import.detectedByChoice', { layout, type: t(TYPE_NAMES[preview.type]) })}
      </p>
      {preview.missing.length > 0 && (
        <p className="form-error" role="alert">
          {t('import.missing', { fields: preview.missing.join(', ') })}
        </p>
      )}
      <ScrollRegion label={t('import.mappingCaption')}>
        <table className="settings-table mapping-table">
          <caption>{t('import.mappingCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('import.field')}</th>
              <th scope="col">{t('import.column')}</th>
            </tr>
          </thead>
          <tbody>
            {preview.fields.map((field) => (
              <tr key={field.field} data-field={field.field}>
                <th scope="row">
                  <code>{field.field}</code>
                  {field.required && <span className="required-mark">{t('import.required')}</span>}
                </th>
                <td>
                  {!locked ? (
                    <select
                      className="select select-compact"
                      aria-label={t('import.columnOf', { field: field.field })}
                      value={field.column ?? ''}
                      onChange={(event) => onMap(field.field, event.target.value)}
                    >
                      {field.column === null && <option value="">{t('import.noColumn')}</option>}
                      {preview.columns.map((column) => (
                        <option key={column} value={column}>
                          {column}
                        </option>
                      ))}
                    </select>
                  ) : field.column === null ? (
                    <span className={field.required ? 'bad-text' : 'muted'}>{t('import.noColumn')}</span>
                  ) : (
                    field.column
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      {map && <p className="settings-hint">{t('import.mapped')}</p>}
      {preview.problems.length > 0 && (
        <ProblemTable problems={preview.problems} caption={t('import.previewProblems')} />
      )}
      <ScrollRegion
        label={t('import.rowsCaption', { count: formatCount(preview.rows.length, locale), file: file.name })}
      >
        <table className="settings-table rows-table">
          <caption>
            {t('import.rowsCaption', { count: formatCount(preview.rows.length, locale), file: file.name })}
          </caption>
          <thead>
            <tr>
              {preview.columns.map((column, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a header may repeat a name; its position is its identity.
                <th scope="col" key={index}>
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.rows.map((row, rowIndex) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows are shown in file order and never reordered.
              <tr key={rowIndex}>
                {preview.columns.map((_, index) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional.
                  <td key={index}>{row[index] ?? ''}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    </section>
  );
}

function ProblemTable({
  problems,
  caption,
}: {
  readonly problems: ImportRun['problems'];
  readonly caption: string;
}) {
  const { t, locale } = useI18n();
  return (
    <ScrollRegion label={caption}>
      <table className="settings-table problems-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('import.line')}</th>
            <th scope="col">{t('import.column')}</th>
            <th scope="col">{t('import.reason')}</th>
          </tr>
        </thead>
        <tbody>
          {problems.map((problem, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: problems are listed in the API's order.
            <tr key={index} data-line={problem.line}>
              <td>{problem.line === 0 ? t('import.wholeFile') : formatCount(problem.line, locale)}</td>
              <td>{problem.column ?? '—'}</td>
              <td>{problem.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

interface RunViewProps {
  readonly run: ImportRun | null;
  readonly error: unknown;
  readonly file: File | null;
  readonly estimate: number | null;
  readonly onAgain: () => void;
}

function RunView({ run, error, file, estimate, onAgain }: RunViewProps) {
  const { t, locale } = useI18n();
  const name = file?.name ?? run?.fileName ?? '';
  let body: ReactNode;
  if (!run) {
    body = error ? <ErrorMessage error={error} /> : <p role="status">{t('import.queued', { file: name })}</p>;
  } else if (isUnderWay(run)) {
    const progress = progressOf(run, estimate);
    body = (
      <div className="import-progress">
        <p role="status">
          {run.status === 'queued'
            ? t('import.queued', { file: name })
            : estimate === null
              ? t('import.running', { rows: formatCount(run.rowsRead, locale), file: name })
              : t('import.runningOf', {
                  rows: formatCount(run.rowsRead, locale),
                  total: formatCount(estimate, locale),
                  file: name,
                })}
        </p>
        <progress
          className="progress"
          max={1}
          {...(progress === null ? {} : { value: progress })}
          aria-label={t('import.progress')}
        />
      </div>
    );
  } else if (run.status === 'succeeded') {
    body = (
      <>
        <p className="success-box" role="status">
          {t('import.succeeded', {
            rows: formatCount(run.rowsWritten, locale),
            type: t(TYPE_NAMES[run.type]),
            file: name,
          })}
        </p>
        {run.rowsRejected > 0 && (
          <p>{t('import.leftOut', { rows: formatCount(run.rowsRejected, locale) })}</p>
        )}
        {run.problems.length > 0 && (
          <ProblemTable problems={run.problems} caption={t('import.problemsCaption')} />
        )}
        <p>
          <Link href="/">{t('import.toOverview')}</Link>
        </p>
      </>
    );
  } else if (run.status === 'rejected') {
    body = (
      <>
        <p className="form-error" role="alert">
          {t('import.rejected', { rows: formatCount(run.rowsRejected, locale), file: name })}
        </p>
        <ProblemTable problems={run.problems} caption={t('import.problemsCaption')} />
      </>
    );
  } else {
    body = (
      <p className="form-error" role="alert">
        {t('import.failed', { reason: run.error ?? '' })}
      </p>
    );
  }
  return (
    <section
      className="import-card import-run"
      aria-labelledby="import-run-title"
      data-status={run?.status ?? 'starting'}
    >
      <h2 id="import-run-title">{t('import.runTitle')}</h2>
      {body}
      {run && !isUnderWay(run) && (
        <button type="button" className="button button-quiet" onClick={onAgain}>
          {t('import.again')}
        </button>
      )}
    </section>
  );
}
