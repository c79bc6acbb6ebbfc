// `node --import ./test/support/module-log.mjs …` appends the URL of every module the process
// resolves, one a line, to the file RETAIN_MODULE_LOG names, so a test can see what a command
// loaded. Resolve hooks run on a thread of their own (module.register), hence a file.
import { register } from 'node:module';

register('./module-log-hooks.mjs', import.meta.url);
