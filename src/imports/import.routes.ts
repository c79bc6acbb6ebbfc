/**
 * `POST /imports` (multipart upload, streamed to disk, runs as a job) and `GET /imports/{id}`
 * (status and progress). Thin: the rules live in import.jobs.ts, import.upload.ts and
 * import.service.ts.
 */
import { rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createRoute, z } from '@hono/zod-openapi';
import { CSV_ENCODINGS, DATE_FORMATS, DECIMAL_SEPARATORS, parseDelimiter } from '../csv/index.js';
import { dataDirectoryFor } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import {
  authenticatedErrors,
  CSRF_REFUSED,
  createRouter,
  requireRole,
  tooLargeError,
  unstorableText,
} from '../http/index.js';
import { uploadPathFor } from './import.files.js';
import { startImport } from './import.jobs.js';
import type { ImportRun } from './import.repository.js';
import { getImport } from './import.service.js';
import { IMPORT_FORMATS, IMPORT_TYPES, type ImportReadOptions } from './import.types.js';
import { MAX_FIELD_BYTES, receiveUpload } from './import.upload.js';

/** Largest upload unless configured: 256 MiB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 256 * 1024 * 1024;
/** Longest file name kept on the run (the part's `filename`). */
export const MAX_FILE_NAME_LENGTH = 255;
/** The setting an operator changes it with (server/environment.ts). */
const UPLOAD_LIMIT_NAME = 'RETAIN_MAX_UPLOAD_BYTES';

export interface ImportRoutesOptions {
  /** Largest accepted upload body, bytes (default 256 MiB). */
  readonly maxUploadBytes?: number;
  /** How long an import's files are kept after it finished (default 7 days: import.files.ts). */
  readonly filesRetentionMs?: number;
}

const ProblemSchema = z.object({
  line: z
    .number()
    .int()
    .openapi({ description: '1-based physical line (1 = the header; 0 = the file as a whole)' }),
  column: z.string().nullable(),
  code: z.string(),
  message: z.string(),
});

const ImportSchema = z
  .object({
    id: z.string(),
    type: z.enum(IMPORT_TYPES as [string, ...string[]]),
    format: z.enum(IMPORT_FORMATS as [string, ...string[]]),
    fileName: z.string(),
    skipInvalid: z.boolean(),
    status: z.enum(['queued', 'running', 'succeeded', 'rejected', 'failed']),
    rowsRead: z.number().int(),
    rowsWritten: z.number().int(),
    rowsRejected: z.number().int(),
    problems: z.array(ProblemSchema),
    error: z.string().nullable(),
    createdAt: z.number().int(),
    startedAt: z.number().int().nullable(),
    finishedAt: z.number().int().nullable(),
  })
  .openapi('Import');

function toBody(run: ImportRun): z.infer<typeof ImportSchema> {
  return {
    id: String(run.id),
    type: run.type,
    format: run.format,
    fileName: run.fileName,
    skipInvalid: run.skipInvalid,
    status: run.status,
    rowsRead: run.rowsRead,
    rowsWritten: run.rowsWritten,
    rowsRejected: run.rowsRejected,
    problems: [...run.problems],
    error: run.error,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
}

/** The most fields `map` may name, and the longest column name. */
const MAX_MAPPED_FIELDS = 64;
const MAX_COLUMN_NAME = 256;

/**
 * The form's `map` field: a JSON object of logical field → column name, e.g.
 * `{"customer_id":"Email","ordered_at":"Created at"}`. Throws `invalid_input` naming `map`.
 */
function parseColumnMapField(text: string): Record<string, string> {
  const refuse = (message: string) =>
    new RetainError('invalid_input', `map: ${message}`, [{ path: ['form', 'map'], message }]);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw refuse('expected a JSON object such as {"customer_id":"Email"}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw refuse('expected a JSON object such as {"customer_id":"Email"}');
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_MAPPED_FIELDS) throw refuse(`at most ${MAX_MAPPED_FIELDS} fields`);
  const map: Record<string, string> = {};
  for (const [field, column] of entries) {
    if (typeof column !== 'string' || column.trim() === '' || column.length > MAX_COLUMN_NAME) {
      throw refuse(`"${field.slice(0, 64)}" must name a column (1 to ${MAX_COLUMN_NAME} characters)`);
    }
    map[field] = column;
  }
  return map;
}

/** The form's dialect fields and `map` as the import's read options. */
function readOptions(form: {
  delimiter?: string | undefined;
  decimal?: string | undefined;
  dateFormat?: string | undefined;
  map?: string | undefined;
}): ImportReadOptions {
  const delimiter = form.delimiter === undefined ? undefined : parseDelimiter(form.delimiter);
  return {
    ...(delimiter ? { delimiter } : {}),
    ...(form.decimal ? { decimal: form.decimal as ImportReadOptions['decimal'] } : {}),
    ...(form.dateFormat ? { dateFormat: form.dateFormat as ImportReadOptions['dateFormat'] } : {}),
    ...(form.map === undefined ? {} : { map: parseColumnMapField(form.map) }),
  };
}

/** The form fields beside the file. */
const UploadFieldsSchema = z.object({
  type: z.enum(IMPORT_TYPES as [string, ...string[]]),
  format: z
    .enum(IMPORT_FORMATS as [string, ...string[]])
    .default('auto')
    .openapi({ description: 'auto (default): recognised by its header, as retain analyze does' }),
  skipInvalid: z.enum(['true', 'false']).default('false').openapi({
    description: 'true: write the valid rows and leave out the invalid ones; false: reject the file',
  }),
  delimiter: z
    .enum([',', ';', 'tab', '|'])
    .optional()
    .openapi({ description: 'field separator; default: detected from the header and first rows' }),
  decimal: z
    .enum(DECIMAL_SEPARATORS)
    .optional()
    .openapi({ description: 'decimal separator of amounts (. or ,); default: detected from the first rows' }),
  dateFormat: z
    .enum(DATE_FORMATS)
    .optional()
    .openapi({ description: 'how dates are written; default: detected (ISO 8601 when nothing says)' }),
  encoding: z.enum(CSV_ENCODINGS).default('utf-8').openapi({
    description:
      "the file's text encoding: utf-8 (default; a byte that is not UTF-8 rejects the file, naming its line), latin1 (ISO-8859-1) or windows-1252, converted while reading",
  }),
  map: z.string().max(MAX_FIELD_BYTES).optional().openapi({
    description:
      'JSON object naming the file\'s column for each field, e.g. {"customer_id":"Email","ordered_at":"Created at"}',
  }),
});

/**
 * Documented here, served by a plain handler: the generated validator would parse the multipart
 * body in memory (`parseBody`), which is what the streaming upload avoids.
 */
const createImport = createRoute({
  method: 'post',
  path: '/imports',
  operationId: 'createImport',
  tags: ['Imports'],
  summary: 'Upload a CSV file to import (runs in the background)',
  middleware: [requireRole('analyst')] as const,
  request: {
    body: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: UploadFieldsSchema.extend({
            file: z
              .custom<File>((value) => value instanceof File, { message: 'a CSV file is required' })
              .openapi({ type: 'string', format: 'binary' }),
          }),
        },
      },
    },
  },
  responses: {
    202: {
      description: 'Queued; poll GET /imports/{id}',
      content: { 'application/json': { schema: ImportSchema } },
    },
    ...authenticatedErrors({
      400: 'Bad type, format or file, or a malformed body (a file name with a NUL or over 255 characters, a field over 4 KiB, a body cut short); `error.issues` names each.',
      403: `Only owners, admins and analysts import; or ${CSRF_REFUSED}.`,
      413: 'The body is larger than the limit (`RETAIN_MAX_UPLOAD_BYTES`, 256 MiB by default), declared or counted while it streams; nothing is kept.',
      415: 'A body that is not `multipart/form-data`.',
    }),
  },
});

const readImport = createRoute({
  method: 'get',
  path: '/imports/{id}',
  operationId: 'getImport',
  tags: ['Imports'],
  summary: 'Status and progress of an import: rows read, written, rejected, and the problems found',
  middleware: [requireRole('analyst', 'marketer', 'agent')] as const,
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    200: { description: 'The import', content: { 'application/json': { schema: ImportSchema } } },
    ...authenticatedErrors({ 404: 'No such import in this workspace.' }),
  },
});

/** The imports routes, to mount under `/api/v1`. */
export function importRoutes(options: ImportRoutesOptions = {}) {
  const router = createRouter();
  const maxBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const { middleware: _validatedElsewhere, ...documented } = createImport;
  router.openAPIRegistry.registerPath(documented);
  router.post('/imports', requireRole('analyst'), async (c) => {
    const { db, now, dataDirectory, databaseUrl } = c.get('services');
    const auth = c.get('auth');
    // A declared size over the limit is refused before a byte is read (here, and before
    // authentication in server/app.ts); a body without one is counted as it arrives.
    if (Number(c.req.header('Content-Length')) > maxBytes) throw tooLargeError(maxBytes, UPLOAD_LIMIT_NAME);
    const upload = await receiveUpload(c.req.raw.body, c.req.header('Content-Type'), {
      dataDirectory: dataDirectory ?? dataDirectoryFor(process.env, databaseUrl),
      workspaceId: auth.workspaceId,
      maxBytes,
      limitName: UPLOAD_LIMIT_NAME,
      now: now(),
    });
    try {
      const parsed = UploadFieldsSchema.safeParse(upload.fields);
      if (!parsed.success) {
        throw new RetainError(
          'invalid_input',
          'The request is not valid.',
          parsed.error.issues.map((issue) => ({
            path: ['form', ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))],
            message: issue.message,
            code: issue.code,
          })),
        );
      }
      const form = parsed.data;
      const fileName = upload.file.name || 'upload.csv';
      const nameProblem =
        unstorableText(fileName) ??
        (fileName.length > MAX_FILE_NAME_LENGTH ? `is longer than ${MAX_FILE_NAME_LENGTH} characters` : null);
      if (nameProblem !== null) {
        throw new RetainError('invalid_input', 'The request is not valid.', [
          { path: ['form', 'file'], message: `The file name ${nameProblem}.`, code: 'unstorable_text' },
        ]);
      }
      const run = await startImport(db, {
        workspaceId: auth.workspaceId,
        type: form.type,
        format: form.format,
        fileName,
        skipInvalid: form.skipInvalid === 'true',
        encoding: form.encoding,
        read: readOptions(form),
        actor:
          auth.userId !== null
            ? { type: 'user', id: auth.userId }
            : auth.apiKeyId !== null
              ? { type: 'api_key', id: auth.apiKeyId }
              : { type: 'system' },
        now: now(),
        ...(options.filesRetentionMs === undefined ? {} : { retentionMs: options.filesRetentionMs }),
        store: async (importId) => {
          const path = uploadPathFor(dirname(upload.file.path), importId);
          await rename(upload.file.path, path);
          return path;
        },
      });
      return c.json(toBody(run), 202);
    } finally {
      // Renamed when the import was queued; otherwise it goes with the refused request.
      await rm(upload.file.path, { force: true });
    }
  });
  router.openapi(readImport, async (c) => {
    const { db } = c.get('services');
    const run = await getImport(db, c.get('auth').workspaceId, c.req.valid('param').id);
    return c.json(toBody(run), 200);
  });
  return router;
}
