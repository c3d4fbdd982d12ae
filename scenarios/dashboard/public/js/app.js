// @ts-check
import { ApiError, api, getCatalog, messageOf } from './api.js'
import { currentLanguage, setLanguage, t } from './i18n.js'
import { watchHandoffs } from './handoff-view.js'
import { createHistoryView } from './history-view.js'
import { createLoadView } from './load-view.js'
import { createRegistryView } from './registry-view.js'
import { createReportView } from './report-view.js'
import { createRunView } from './run-view.js'
import { createWalletView } from './wallet-view.js'

/** @type {Record<string, { show?: () => void }>} */
const views = {}

/**
 * The page's elements that match `selector`.
 * @param {string} selector
 * @returns {HTMLElement[]}
 */
const all = (selector) => [...document.querySelectorAll(selector)].filter((element) => element instanceof HTMLElement)

/**
 * An element index.html has.
 * @param {string} id
 */
function byId(id) {
  const element = document.getElementById(id)
  if (!element) throw new Error(`index.html has no #${id}`)
  return element
}

/** @param {string} name */
function show(name) {
  for (const tab of all('[data-view]')) {
    tab.setAttribute('aria-selected', String(tab.dataset.view === name))
    // one tab stop for the whole tab list; the arrow keys move within it (WAI-ARIA tabs pattern)
    tab.tabIndex = tab.dataset.view === name ? 0 : -1
  }
  for (const panel of all('.view')) panel.hidden = panel.id !== `view-${name}`
  views[name]?.show?.()
  history.replaceState(null, '', `#${name}`)
}

function markLanguage() {
  for (const button of all('[data-language]')) button.setAttribute('aria-pressed', String(button.dataset.language === currentLanguage()))
}

await setLanguage(currentLanguage())
markLanguage()
for (const button of all('[data-language]')) {
  button.addEventListener('click', () => setLanguage(button.dataset.language ?? 'en').then(markLanguage))
}
for (const tab of all('[data-view]')) tab.addEventListener('click', () => show(tab.dataset.view ?? 'run'))
all('[role="tablist"]')[0]?.addEventListener('keydown', (event) => {
  const tabs = all('[data-view]')
  const at = tabs.indexOf(/** @type {HTMLElement} */ (document.activeElement))
  /** @type {Record<string, number>} */
  const moves = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }
  const next = moves[event.key]
  if (at < 0 || next === undefined) return
  event.preventDefault()
  const tab = tabs[(next + tabs.length) % tabs.length]
  tab.focus()
  show(tab.dataset.view ?? 'run')
})

/** The console's link carries the dashboard's token in the fragment: trade it for a session cookie and drop it from the address bar. */
async function signIn() {
  const token = new URLSearchParams(location.hash.slice(1)).get('token')
  if (!token) return
  history.replaceState(null, '', location.pathname)
  await api('POST', '/api/session', { token })
}

try {
  await signIn()
  // before the catalog: a run against other parties' services may wait on a person while the catalog cannot load
  watchHandoffs(byId('handoffs'))
  const catalog = await getCatalog()
  views.run = createRunView(byId('view-run'), catalog)
  views.wallet = createWalletView(byId('view-wallet'), catalog)
  views.registry = createRegistryView(byId('view-registry'), catalog)
  views.report = createReportView(byId('view-report'), catalog)
  views.history = createHistoryView(byId('view-history'))
  views.load = createLoadView(byId('view-load'))
  show(location.hash.slice(1) in views ? location.hash.slice(1) : 'run')
  document.body.dataset.ready = 'true'
} catch (error) {
  const line = byId('load-error')
  line.hidden = false
  line.textContent = error instanceof ApiError && error.status === 401 ? t('app.signInNeeded') : `${t('app.loadFailed')} ${messageOf(error)}`
}
