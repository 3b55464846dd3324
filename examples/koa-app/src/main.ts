/**
 * `pnpm --filter @keygate/example-koa start`.
 * Environment: PORT (3000), HOST, DATABASE_URL, REDIS_URL, STORAGE_URL, DEMO_PASSWORD, SESSION_SECRET.
 */
import { startServer } from '@keygate/example-shared';
import { createApp } from './app.js';

await startServer('Koa', 'koa-app', (host) => createApp(host).callback());
