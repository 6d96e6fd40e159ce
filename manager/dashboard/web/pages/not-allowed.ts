import type { EndpointSpec } from '../../../../contracts/endpoint.js';
import type { PageFactory } from '../page.js';
import { h } from '../ui/dom.js';

/**
 * `page` for a key whose role may call `endpoint`; for any other (a reader who typed `#/workers/new`) a page that
 * says which role it takes and offers nothing the master would refuse.
 */
export function allowedTo(endpoint: EndpointSpec, action: string, page: PageFactory): PageFactory {
  const needed = endpoint.access.kind === 'management' ? endpoint.access.role : 'admin';
  return (context) => {
    if (context.may(endpoint)) return page(context);
    context.setTitle('Not allowed');
    return {
      element: h(
        'div',
        {},
        h('h1', {}, 'Not allowed'),
        h('p', { class: 'callout callout-neutral' }, `To ${action}, sign in with an API key that has the ${needed} role; this key may not.`),
        h('p', {}, h('a', { href: '#/' }, 'Go to the dashboard'), '.'),
      ),
    };
  };
}
