export { type AppOptions, analyticsRunnerOf, buildApp, closeApp } from './app.js';
export { appOptionsFromEnvironment, LIMIT_VARIABLES } from './environment.js';
export { handleError, statusOf } from './errors.js';
export { type RunningServer, serveApp } from './serve.js';
