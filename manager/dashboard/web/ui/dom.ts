/**
 * Building DOM without a framework and without innerHTML: every text from the master (worker names, log lines,
 * parameter values) becomes a text node, so none of it can run as markup.
 */
export type Child = Node | string | number | null | undefined | false | readonly Child[];
type Listener = (event: Event) => void;
type Attributes = Record<string, string | number | boolean | null | undefined | Listener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  element.append(...flatten(children));
  return element;
}

const svgNamespace = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(svgNamespace, tag);
  setAttributes(element, attributes);
  element.append(...flatten(children));
  return element;
}

function setAttributes(element: Element, attributes: Attributes): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
}

function flatten(children: readonly Child[]): (Node | string)[] {
  return children.flatMap((child): (Node | string)[] => {
    if (child === null || child === undefined || child === false) return [];
    if (Array.isArray(child)) return flatten(child as readonly Child[]);
    return [typeof child === 'number' ? String(child) : (child as Node | string)];
  });
}

/**
 * Replaces a region's content after a refresh without losing the keyboard user's place: the focused element,
 * when it has an `id` or a `data-focus-key`, gets focus back in the new content.
 */
export function replaceContent(region: Element, ...children: Child[]): void {
  const focused = document.activeElement;
  const selector =
    focused instanceof HTMLElement && region.contains(focused)
      ? focused.dataset['focusKey'] !== undefined
        ? `[data-focus-key="${CSS.escape(focused.dataset['focusKey'])}"]`
        : focused.id !== ''
          ? `#${CSS.escape(focused.id)}`
          : undefined
      : undefined;
  region.replaceChildren(...flatten(children));
  if (selector !== undefined) region.querySelector<HTMLElement>(selector)?.focus();
}

/** Visible label text plus a visually hidden part for screen readers. */
export function hidden(text: string): HTMLSpanElement {
  return h('span', { class: 'visually-hidden' }, text);
}
