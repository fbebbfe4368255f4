import { createApp } from 'vue';
import ElementPlus from 'element-plus';
import 'element-plus/dist/index.css';
import 'maplibre-gl/dist/maplibre-gl.css';
import App from './App.vue';
import { router } from './router';
import type { SignedInUser } from './auth';
import { applyConfig, type ConsoleConfig } from './config';
import './style.css';

/** The console itself, mounted once the user is signed in (main.ts). */
export function mountConsole(user: SignedInUser, config: ConsoleConfig): void {
  applyConfig(config);
  const app = createApp(App, { user });
  app.use(ElementPlus);
  app.use(router);
  app.mount('#app');
}
