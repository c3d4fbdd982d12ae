/**
 * Builds an element: h('button', { class: 'primary', onclick: run }, 'Run').
 * Text children are set as text, never parsed as HTML.
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

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue
    element.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
}

/** Replaces an element's content. */
export function fill(element, ...children) {
  element.replaceChildren()
  append(element, children)
  return element
}

/** ✓ or ✗ in a coloured circle, with a spoken label. */
export function mark(passed, label) {
  return h('span', { class: `mark ${passed ? 'pass' : 'fail'}`, role: 'img', 'aria-label': label }, passed ? '✓' : '✗')
}
