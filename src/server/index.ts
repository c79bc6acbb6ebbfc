export { type AppOptions, buildApp } from './app.js';
export { handleError, statusOf } from './errors.js';
export { serveApp } from './serve.js';
