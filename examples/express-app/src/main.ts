/**
 * `npm start` (from the repository root) or `pnpm --filter @keygate/example-express start`.
 * Environment: PORT (3000), HOST, DATABASE_URL, REDIS_URL, STORAGE_URL, DEMO_PASSWORD, SESSION_SECRET.
 */
import { startServer } from '@keygate/example-shared';
import { createApp } from './app.js';

await startServer('Express', 'express-app', createApp);
