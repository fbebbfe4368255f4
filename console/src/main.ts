import { signIn } from './auth';
import { fetchConsoleConfig } from './config';

// Sign in first, then mount the console. Keycloak's sign-in is a redirect away and back; keeping
// Element Plus, Vue and the pages out of this entry means the browser fetches and parses them once,
// after the redirect, instead of on both loads. Back from Keycloak (a code in the fragment), the
// console's chunks load while the code is exchanged for a token (docs/console.md, "First page").
const returning = /[#&]code=/.test(location.hash);
const app = returning ? import('./app') : null;
fetchConsoleConfig()
  .then(async (config) => {
    const user = await signIn(config);
    const { mountConsole } = await (app ?? import('./app'));
    mountConsole(user, config);
  })
  .catch((err: unknown) => {
    document.getElementById('app')!.textContent = `登录失败 / sign-in failed: ${(err as Error)?.message ?? String(err)}`;
  });
