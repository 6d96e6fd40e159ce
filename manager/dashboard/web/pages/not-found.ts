import type { PageFactory } from '../page.js';
import { h } from '../ui/dom.js';

export const notFoundPage: PageFactory = (context) => {
  context.setTitle('Not found');
  return {
    element: h(
      'div',
      {},
      h('h1', {}, 'Page not found'),
      h('p', {}, 'Nothing lives at this address. ', h('a', { href: '#/' }, 'Go to the dashboard'), '.'),
    ),
  };
};
