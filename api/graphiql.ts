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
  <style>
    html, body { height: 100%; margin: 0; font-family: "Noto Sans CJK SC", "PingFang SC", sans-serif; }
    body { display: flex; flex-direction: column; }
    #token-bar { display: flex; gap: 8px; align-items: center; padding: 6px 10px; background: #0f3460; color: #fff; font-size: 13px; }
    #token-bar input, #token-bar select { font-size: 12px; padding: 3px 5px; }
    #token { flex: 1; min-width: 200px; }
    #token-bar a { color: #9cd1ff; }
    #graphiql { flex: 1; min-height: 0; }
  </style>
</head>
<body>
  <div id="token-bar">
    <strong>令牌 token</strong>
    <input id="token" placeholder="Bearer 令牌: 粘贴 access token, 或点击右侧按钮使用控制台的登录" autocomplete="off" />
    <button id="from-console" type="button">使用控制台登录的令牌</button>
    <a href="/console/" target="_blank">登录控制台 sign in</a>
    <span>用途 X-Purpose</span>
    <input id="purpose" list="purposes" value="DATA_GOVERNANCE" size="18" />
    <datalist id="purposes"></datalist>
    <span id="who"></span>
  </div>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="/graphiql-assets/react.production.min.js"></script>
  <script src="/graphiql-assets/react-dom.production.min.js"></script>
  <script src="/graphiql-assets/graphiql.min.js"></script>
  <script>
    // The token helper: a token pasted here, or the one the console (same origin) signed in with,
    // goes with every request as Authorization: Bearer, with the purpose as X-Purpose.
    const tokenInput = document.getElementById('token');
    const purposeInput = document.getElementById('purpose');
    const who = document.getElementById('who');
    tokenInput.value = sessionStorage.getItem('citycode.graphiql.token') || '';
    purposeInput.value = localStorage.getItem('citycode.purpose') || 'DATA_GOVERNANCE';
    function describeToken() {
      const t = tokenInput.value.trim();
      sessionStorage.setItem('citycode.graphiql.token', t);
      if (!t) { who.textContent = '匿名 anonymous'; return; }
      try {
        const claims = JSON.parse(atob(t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
        const left = Math.round((claims.exp * 1000 - Date.now()) / 1000);
        who.textContent = claims.preferred_username + ' · ' + (claims.department || '—') + ' · ' + (claims.clearance || 'L1') + (left > 0 ? ' · ' + left + ' s' : ' · 已过期 expired');
      } catch (e) { who.textContent = '不是 JWT / not a JWT'; }
    }
    tokenInput.addEventListener('input', describeToken);
    purposeInput.addEventListener('change', () => localStorage.setItem('citycode.purpose', purposeInput.value.trim()));
    document.getElementById('from-console').addEventListener('click', () => {
      const t = sessionStorage.getItem('citycode.token');
      if (!t) { who.textContent = '控制台未登录: 请先在 /console 登录 (同一浏览器标签页会话)'; return; }
      tokenInput.value = t;
      describeToken();
    });
    fetch('/console/config.json').then((r) => r.json()).then((c) => {
      const list = document.getElementById('purposes');
      for (const p of c.purposes || []) { const o = document.createElement('option'); o.value = p.code; o.label = p.label; list.appendChild(o); }
    }).catch(() => {});
    describeToken();
    const base = GraphiQL.createFetcher({ url: '/graphql' });
    const fetcher = (params, options) => {
      const headers = Object.assign({}, options && options.headers);
      const t = tokenInput.value.trim();
      if (t) headers.authorization = 'Bearer ' + t;
      if (purposeInput.value.trim()) headers['x-purpose'] = purposeInput.value.trim();
      return base(params, Object.assign({}, options, { headers }));
    };
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultEditorToolsVisibility: true,
        defaultQuery: '# 城市码 citycode: 在上方填入令牌 (或使用控制台登录的令牌) 与用途\\n{\\n  policyVersion { version }\\n}\\n',
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
