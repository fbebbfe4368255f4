import express, { Router } from 'express';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../core/config';
import type { Policy } from '../policy/model';

/**
 * The governance console (数据治理控制台, docs/console.md), served under /console from the files
 * `npm run build:console` writes to dist/console. It is a client of the GraphQL API like any
 * other: it signs in through Keycloak (public PKCE client citycode-console) and calls /graphql
 * with the user's token, so it shows exactly what that user may see. Nothing here reads data.
 */
export const CONSOLE_CLIENT = 'citycode-console';
export const CONSOLE_DIR = resolve(__dirname, '..', ...(__dirname.includes(`${join('dist', 'api')}`) ? ['console'] : ['dist', 'console']));

export function consoleRouter(config: Config, policy: () => Policy, dir = CONSOLE_DIR): Router {
  // strict: /console and /console/ are different paths (the first redirects to the second).
  const router = Router({ strict: true });
  router.get('/console/config.json', (_req, res) => {
    const current = policy();
    res.set('cache-control', 'no-store').json({
      keycloakUrl: config.keycloak.url,
      realm: config.keycloak.realm,
      clientId: CONSOLE_CLIENT,
      policyVersion: current.version,
      purposes: [...current.purposes].map(([code, p]) => ({ code, label: p.label })),
    });
  });
  router.get('/console', (_req, res) => res.redirect(301, '/console/'));
  // Hashed assets are immutable; index.html is always revalidated so a new build shows at once.
  router.use('/console/assets', express.static(join(dir, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }));
  router.use('/console', express.static(dir, { index: false, maxAge: 0 }));
  // Every other /console path is a page of the single-page app.
  router.get(/^\/console\/.*/, (_req, res) => {
    const index = join(dir, 'index.html');
    if (!existsSync(index)) {
      res
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The console is not built: run `npm run build:console` (npm start and npm test do it). 控制台尚未构建。');
      return;
    }
    res.set('cache-control', 'no-cache').sendFile(index);
  });
  return router;
}
