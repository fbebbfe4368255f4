import express, { Router } from 'express';
import { dirname, join } from 'node:path';

/**
 * GraphiQL served from local files (these machines reach no CDN): GET /graphql from a browser
 * and GET /graphiql both show it.
 */
function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

const PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8" />
  <title>citycode 城市码 GraphiQL</title>
  <link rel="stylesheet" href="/graphiql-assets/graphiql.min.css" />
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="/graphiql-assets/react.production.min.js"></script>
  <script src="/graphiql-assets/react-dom.production.min.js"></script>
  <script src="/graphiql-assets/graphiql.min.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({ url: '/graphql', headers: {} });
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultEditorToolsVisibility: true,
        defaultQuery: '# 城市码 citycode\\n{\\n  __typename\\n}\\n',
      }),
    );
  </script>
</body>
</html>`;

export function graphiqlRouter(): Router {
  const router = Router();
  const assets: Record<string, string> = {
    'graphiql.min.css': join(packageDir('graphiql'), 'graphiql.min.css'),
    'graphiql.min.js': join(packageDir('graphiql'), 'graphiql.min.js'),
    'react.production.min.js': join(packageDir('react'), 'umd', 'react.production.min.js'),
    'react-dom.production.min.js': join(packageDir('react-dom'), 'umd', 'react-dom.production.min.js'),
  };
  router.get('/graphiql-assets/:file', (req, res) => {
    const file = assets[req.params.file];
    if (!file) {
      res.status(404).end();
      return;
    }
    res.sendFile(file, { maxAge: '1d' });
  });
  const page: express.RequestHandler = (_req, res) => {
    res.type('html').send(PAGE);
  };
  router.get('/graphiql', page);
  // A browser asking for /graphql without a query gets the IDE; API clients go on to Apollo.
  router.get('/graphql', (req, res, next) => {
    if (req.accepts(['application/json', 'text/html']) === 'text/html' && req.query.query === undefined) {
      page(req, res, next);
      return;
    }
    next();
  });
  return router;
}
