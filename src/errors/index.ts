export { type InputIssue, notFound, RetainError, type RetainErrorCode } from './retain-error.js';
