#!/usr/bin/env node
/**
 * `keygate jobs run --config ./keygate.config.mjs`: the scheduled jobs, once,
 * for hosts that prefer cron to an in-process timer.
 *
 * @module
 */
import { runCli } from './cli-run.js';

const code = await runCli(process.argv.slice(2));
// Open client connections in the host's config module must not keep a cron job alive.
process.exit(code);
