// @ts-check
/** @typedef {Node | string | number | boolean | null | undefined | any[]} Child what h() and fill() append (arrays flattened); false, null and undefined are skipped */

/**
 * Builds an element: h('button', { class: 'primary', onclick: run }, 'Run').
 * Text children are set as text, never parsed as HTML.
 * @param {string} tag
 * @param {Record<string, any>} [attributes] attributes; `on…` are listeners, `dataset` fills data-*
 * @param {...Child} children
 * @returns {HTMLElement}
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value)
    else if (name === 'dataset') Object.assign(element.dataset, value)
    else if (value === true) element.setAttribute(name, '')
    else element.setAttribute(name, String(value))
  }
  append(element, children)
  return element
}

/**
 * @param {HTMLElement} element
 * @param {Child[]} children
 */
function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue
    element.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
}

/**
 * Replaces an element's content.
 * @param {HTMLElement} element
 * @param {...Child} children
 */
export function fill(element, ...children) {
  element.replaceChildren()
  append(element, children)
  return element
}

/**
 * ✓ or ✗ in a coloured circle, with a spoken label.
 * @param {boolean} passed
 * @param {string} label
 */
export function mark(passed, label) {
  return h('span', { class: `mark ${passed ? 'pass' : 'fail'}`, role: 'img', 'aria-label': label }, passed ? '✓' : '✗')
}

/**
 * The value of the form control an event came from.
 * @param {Event} event
 */
export const targetValue = (event) => /** @type {HTMLInputElement | HTMLSelectElement} */ (event.target).value
