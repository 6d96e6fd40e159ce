import { FetchTransport } from './api/fetch-transport.js';
import { callerWithKey, storedKey } from './api/session.js';
import { App } from './app.js';
import { signInPage } from './pages/sign-in.js';

/** The dashboard's entry point: signed in (a key in this tab's session) shows the app, otherwise sign-in. */
function start(root: HTMLElement): void {
  const transport = new FetchTransport(location.origin);

  const showSignIn = (message?: string): void => {
    document.title = 'Sign in · Scale Out Manager';
    root.replaceChildren(signInPage({ transport, origin: location.origin, message, onSignedIn: startApp }));
    root.querySelector<HTMLElement>('input')?.focus();
  };

  const startApp = (apiKey: string): void => {
    storedKey.write(apiKey);
    new App(root, callerWithKey(transport, apiKey), showSignIn).start();
  };

  const key = storedKey.read();
  if (key) startApp(key);
  else showSignIn();
}

const root = document.getElementById('app');
if (!root) throw new Error('index.html has no #app element');
start(root);
