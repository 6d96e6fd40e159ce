import { ApiError } from '../../../contracts/client.js';
import { roleMayCall, type ApiKeyRole } from '../../../contracts/endpoint.js';
import { getCaller } from '../../../contracts/management/endpoints.js';
import { MasterUnreachableError } from './api/fetch-transport.js';
import { storedKey, type Call } from './api/session.js';
import type { Page, PageContext, PageFactory } from './page.js';
import { pageFor } from './routes.js';
import { isRouteHash, parseRoute, type Route } from './router.js';
import { h } from './ui/dom.js';

const navigation = [
  { label: 'Dashboard', hash: '#/', section: undefined },
  { label: 'Worker Manager', hash: '#/workers', section: 'workers' },
  { label: 'Executions', hash: '#/executions', section: 'executions' },
  { label: 'Projects', hash: '#/projects', section: 'projects' },
  { label: 'Environments', hash: '#/environments', section: 'environments' },
  { label: 'Schedules', hash: '#/schedules', section: 'schedules' },
  { label: 'Permissions', hash: '#/permissions', section: 'permissions' },
] as const;

/**
 * The signed-in application: header, navigation, the current page, and what every page shares (the
 * announcer, the "master unreachable" banner, sign-out when the key stops working).
 */
export class App {
  readonly #root: HTMLElement;
  readonly #call: Call;
  readonly #onSignOut: (message?: string) => void;
  readonly #main = h('main', { id: 'main', tabindex: '-1' });
  readonly #pageHolder = h('div', { class: 'page' });
  /** Shown on the page after an action that navigated (e.g. "worker added"), and announced. */
  readonly #flash = h('div', { class: 'callout callout-success flash', hidden: true });
  readonly #unreachable = h('div', { class: 'callout callout-danger banner', role: 'alert', hidden: true });
  readonly #announcer = h('div', { class: 'visually-hidden', 'aria-live': 'polite', 'aria-atomic': 'true' });
  readonly #navLinks: HTMLAnchorElement[] = [];
  readonly #stopListening = new AbortController();
  #pendingFlash: string | undefined;
  /** Asked before the first page; asked again on the next page while the master could not say. */
  #role: ApiKeyRole | undefined;
  #current: { factory: PageFactory; page: Page; controller: AbortController } | undefined;

  constructor(root: HTMLElement, call: Call, onSignOut: (message?: string) => void) {
    this.#root = root;
    this.#onSignOut = onSignOut;
    this.#call = async (endpoint, input, options) => {
      try {
        const output = await call(endpoint, input, options);
        this.#unreachable.hidden = true;
        return output;
      } catch (error) {
        if (error instanceof MasterUnreachableError) this.#showUnreachable(error.origin);
        if (error instanceof ApiError && error.status === 401) this.signOut(`Signed out: ${error.problem?.detail ?? 'the master no longer accepts this API key'}.`);
        throw error;
      }
    };
  }

  start(): void {
    this.#root.replaceChildren(this.#layout());
    window.addEventListener('hashchange', () => void this.#show(), { signal: this.#stopListening.signal });
    void this.#show();
  }

  signOut(message?: string): void {
    // Several refreshes may learn at once that the key stopped working: sign out once.
    if (this.#stopListening.signal.aborted) return;
    storedKey.clear();
    this.#current?.controller.abort();
    this.#current = undefined;
    this.#stopListening.abort();
    this.#onSignOut(message);
  }

  #layout(): HTMLElement {
    const skip = h('a', { class: 'skip-link', href: '#main' }, 'Skip to main content');
    skip.addEventListener('click', (event) => {
      event.preventDefault();
      this.#main.focus();
    });
    const nav = h(
      'nav',
      { class: 'sidebar', 'aria-label': 'Main' },
      h(
        'ul',
        {},
        navigation.map((item) => {
          const link = h('a', { href: item.hash, 'data-section': item.section ?? '' }, item.label);
          this.#navLinks.push(link);
          return h('li', {}, link);
        }),
      ),
    );
    const signOut = h('button', { type: 'button', class: 'button button-quiet' }, 'Sign out');
    signOut.addEventListener('click', () => this.signOut('You are signed out.'));
    return h(
      'div',
      { class: 'shell' },
      skip,
      h(
        'header',
        { class: 'topbar' },
        h('a', { class: 'brand', href: '#/' }, h('img', { src: '/favicon.svg', alt: '', width: 24, height: 24 }), 'Scale Out Manager'),
        h('span', { class: 'topbar-master' }, 'Master ', h('span', { class: 'mono' }, location.host)),
        signOut,
      ),
      nav,
      h('div', { class: 'content' }, this.#unreachable, this.#main),
      this.#announcer,
    );
  }

  async #show(): Promise<void> {
    const hash = location.hash;
    if (!isRouteHash(hash)) return;
    const role = await this.#askRole();
    // Signed out meanwhile, or another navigation came meanwhile and shows its own page.
    if (this.#stopListening.signal.aborted || location.hash !== hash) return;
    const route = parseRoute(hash);
    this.#markNavigation(route);
    const factory = pageFor(route);
    this.#flash.hidden = true;
    if (this.#current?.factory === factory && this.#current.page.update?.(route)) return;
    this.#current?.controller.abort();
    const controller = new AbortController();
    const page = factory(this.#context(route, controller.signal, role));
    this.#current = { factory, page, controller };
    this.#flash.hidden = this.#pendingFlash === undefined;
    this.#flash.textContent = this.#pendingFlash ?? '';
    if (this.#pendingFlash !== undefined) this.#announce(this.#pendingFlash);
    this.#pendingFlash = undefined;
    this.#pageHolder.replaceChildren(page.element);
    this.#main.replaceChildren(this.#flash, this.#pageHolder);
    // A new page: put the keyboard and screen reader at its heading, as a page load would.
    const heading = page.element.querySelector<HTMLElement>('h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  }

  /** The signed-in key's role; while the master cannot say, the least one (nothing offered that may be refused). */
  async #askRole(): Promise<ApiKeyRole> {
    if (this.#role) return this.#role;
    try {
      this.#role = (await this.#call(getCaller, {})).role;
      return this.#role;
    } catch {
      return 'reader';
    }
  }

  #context(route: Route, signal: AbortSignal, role: ApiKeyRole): PageContext {
    return {
      route,
      signal,
      call: (endpoint, input, options) => this.#call(endpoint, input, { ...options, signal }),
      navigate: (hash) => {
        location.hash = hash;
      },
      announce: (message) => {
        // Something new happened: the message from the previous step is stale now.
        this.#flash.hidden = true;
        this.#announce(message);
      },
      flash: (message) => {
        this.#pendingFlash = message;
      },
      setTitle: (title) => {
        document.title = `${title} · Scale Out Manager`;
      },
      may: (endpoint) => roleMayCall(role, endpoint),
    };
  }

  #markNavigation(route: Route): void {
    for (const link of this.#navLinks) {
      const section = link.dataset['section'] || undefined;
      if (section === route.path[0]) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  }

  #announce(message: string): void {
    // Emptied first so the same message twice is still read twice.
    this.#announcer.textContent = '';
    setTimeout(() => {
      this.#announcer.textContent = message;
    }, 50);
  }

  #showUnreachable(origin: string): void {
    if (!this.#unreachable.hidden) return;
    this.#unreachable.textContent = `Cannot reach the master at ${origin}. What you see may be out of date; retrying every few seconds.`;
    this.#unreachable.hidden = false;
  }
}
