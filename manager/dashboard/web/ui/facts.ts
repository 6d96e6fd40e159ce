import { h, type Child } from './dom.js';

/** A description list of label → value, the way the details panels show a worker or an execution. */
export function facts(rows: readonly (readonly [string, Child] | null)[], className = 'facts'): HTMLDListElement {
  return h(
    'dl',
    { class: className },
    rows.flatMap((row) => (row ? [h('div', {}, h('dt', {}, row[0]), h('dd', {}, row[1]))] : [])),
  );
}

export const mono = (text: string): HTMLSpanElement => h('span', { class: 'mono' }, text);

/**
 * A value that may be too long for its table cell: a child key stays on one line, cut with an ellipsis; a result
 * shows its first lines. The whole text is its tooltip (and in the DOM, for copying and screen readers).
 */
export const clipped = (text: string, kind: 'key' | 'result'): HTMLSpanElement => h('span', { class: `clip-${kind}`, title: text }, text);

/** Words separated by commas or spaces, as typed into a tags box. */
export const parseTags = (text: string): string[] => text.split(/[\s,]+/).filter((tag) => tag !== '');

export function tagList(tags: readonly string[]): Child {
  return tags.length === 0 ? h('span', { class: 'muted' }, 'none') : h('ul', { class: 'tags' }, tags.map((tag) => h('li', { class: 'tag' }, tag)));
}
