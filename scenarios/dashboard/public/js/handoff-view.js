// @ts-check
import { api, messageOf } from './api.js'
import { h } from './dom.js'
import { t } from './i18n.js'

/**
 * @typedef {{ id: string, kind: 'offer' | 'request', party: string, details: Record<string, unknown>, timeoutSeconds: number }} Handoff
 * an offer or request the runner waits for from a person (a target with "manual"): see scenarios/handoffs.ts
 */

const POLL_MS = 1000

/**
 * Shows each offer or request the runner is waiting for, as a form: paste it (always), or scan its QR code with the
 * camera where the browser has BarcodeDetector.
 * @param {HTMLElement} root
 */
export function watchHandoffs(root) {
  /** @type {Map<string, HTMLElement>} */
  const shown = new Map()
  async function refresh() {
    /** @type {Handoff[]} */
    let pending
    try {
      pending = (await api('GET', '/api/handoffs')).handoffs
    } catch {
      return
    }
    for (const [id, form] of shown) {
      if (pending.some((handoff) => handoff.id === id)) continue
      form.remove()
      shown.delete(id)
    }
    for (const handoff of pending) {
      if (shown.has(handoff.id)) continue
      const form = handoffForm(handoff)
      shown.set(handoff.id, form)
      root.append(form)
    }
    root.hidden = shown.size === 0
  }
  void refresh()
  setInterval(refresh, POLL_MS)
}

/** @param {Handoff} handoff */
function handoffForm(handoff) {
  const offer = handoff.kind === 'offer'
  const uri = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: `handoff-${handoff.id}-uri`, rows: 3, required: true, spellcheck: 'false' }))
  const txCode = offer ? /** @type {HTMLInputElement} */ (h('input', { id: `handoff-${handoff.id}-tx`, inputmode: 'numeric', autocomplete: 'off' })) : undefined
  const status = h('p', { role: 'status' })
  /** @param {Event} event */
  async function send(event) {
    event.preventDefault()
    try {
      await api('POST', `/api/handoffs/${handoff.id}`, { uri: uri.value, ...(txCode?.value ? { txCode: txCode.value } : {}) })
      status.textContent = t('handoff.sent')
    } catch (error) {
      status.textContent = messageOf(error)
    }
  }
  const canScan = 'BarcodeDetector' in window && Boolean(navigator.mediaDevices?.getUserMedia)
  return h(
    'form',
    { class: 'handoff', dataset: { handoff: handoff.id }, onsubmit: send },
    h('h2', {}, t(offer ? 'handoff.offerTitle' : 'handoff.requestTitle', { party: handoff.party, seconds: handoff.timeoutSeconds })),
    h('pre', {}, JSON.stringify(handoff.details, null, 2)),
    h('label', { for: uri.id }, t(offer ? 'handoff.offerLabel' : 'handoff.requestLabel')),
    uri,
    txCode && [h('label', { for: txCode.id }, t('handoff.txCodeLabel')), txCode],
    h('button', { type: 'submit', class: 'primary' }, t('handoff.send')),
    canScan && h('button', { type: 'button', onclick: () => scanInto(uri, status) }, t('handoff.scan')),
    status,
  )
}

/**
 * Reads a QR code from the camera into `target` (BarcodeDetector, qr_code), for up to a minute.
 * @param {HTMLTextAreaElement} target
 * @param {HTMLElement} status
 */
async function scanInto(target, status) {
  const video = /** @type {HTMLVideoElement} */ (h('video', { muted: true, playsinline: true }))
  /** @type {MediaStream | undefined} */
  let stream
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } })
    video.srcObject = stream
    target.after(video)
    await video.play()
    const detector = new /** @type {any} */ (window).BarcodeDetector({ formats: ['qr_code'] })
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
      const [code] = await detector.detect(video)
      if (code) {
        target.value = code.rawValue
        return
      }
    }
    status.textContent = t('handoff.scanTimeout')
  } catch (error) {
    status.textContent = messageOf(error)
  } finally {
    for (const track of stream?.getTracks() ?? []) track.stop()
    video.remove()
  }
}
