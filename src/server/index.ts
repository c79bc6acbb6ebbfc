export { type AppOptions, buildApp } from './app.js';
export { appOptionsFromEnvironment, LIMIT_VARIABLES } from './environment.js';
export { handleError, statusOf } from './errors.js';
export { serveApp } from './serve.js';
