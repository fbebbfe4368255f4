import { createApp } from 'vue';
import ElementPlus from 'element-plus';
import 'element-plus/dist/index.css';
import 'maplibre-gl/dist/maplibre-gl.css';
import App from './App.vue';
import { router } from './router';
import { signIn } from './auth';
import { loadConfig } from './config';
import './style.css';

// Sign in first (Keycloak redirects back here), then mount: no page renders without a user.
signIn()
  .then(async (user) => {
    await loadConfig();
    const app = createApp(App, { user });
    app.use(ElementPlus);
    app.use(router);
    app.mount('#app');
  })
  .catch((err: unknown) => {
    document.getElementById('app')!.textContent = `登录失败 / sign-in failed: ${(err as Error)?.message ?? String(err)}`;
  });
