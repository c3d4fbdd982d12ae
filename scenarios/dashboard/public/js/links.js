// @ts-check
import { h } from './dom.js'
import { t } from './i18n.js'

/**
 * An inline SVG QR code of `data`, drawn by the server (GET /api/qr).
 * @param {string} data
 * @param {string} label
 */
export function qrCode(data, label) {
  const box = h('div', { class: 'qr', role: 'img', 'aria-label': label })
  fetch(`/api/qr?data=${encodeURIComponent(data)}`)
    .then((response) => (response.ok ? response.text() : Promise.reject(new Error(String(response.status)))))
    .then((text) => {
      const svg = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement
      box.replaceChildren(document.importNode(svg, true))
    })
    .catch(() => box.replaceChildren(h('span', { class: 'muted' }, t('qr.failed'))))
  return box
}

/**
 * A QR code a phone wallet scans plus the same URI as a link a desktop wallet opens:
 * kind is 'offer' (openid-credential-offer://) or 'request' (openid4vp://).
 * @param {'offer' | 'request'} kind
 * @param {string} uri
 * @param {{ txCode?: string, note?: string }} [options]
 */
export function walletLink(kind, uri, { txCode, note } = {}) {
  return h(
    'div',
    { class: `wallet-link ${kind}` },
    qrCode(uri, t(`link.${kind}.qr`)),
    h(
      'div',
      { class: 'wallet-link-text' },
      h('div', { class: 'wallet-link-title' }, t(`link.${kind}.title`)),
      h('a', { href: uri, class: 'deep-link' }, t(`link.${kind}.open`)),
      h('code', { class: 'uri', title: uri }, uri),
      txCode ? h('div', { class: 'tx-code' }, t('link.txCode'), ' ', h('strong', {}, txCode)) : null,
      note ? h('p', { class: 'muted small' }, note) : null,
    ),
  )
}
