import { api, getCatalog } from './api.js'
import { currentLanguage, setLanguage, t } from './i18n.js'
import { createHistoryView } from './history-view.js'
import { createRegistryView } from './registry-view.js'
import { createReportView } from './report-view.js'
import { createRunView } from './run-view.js'
import { createWalletView } from './wallet-view.js'

const views = {}

function show(name) {
  for (const tab of document.querySelectorAll('[data-view]')) {
    tab.setAttribute('aria-selected', String(tab.dataset.view === name))
    // one tab stop for the whole tab list; the arrow keys move within it (WAI-ARIA tabs pattern)
    tab.tabIndex = tab.dataset.view === name ? 0 : -1
  }
  for (const panel of document.querySelectorAll('.view')) panel.hidden = panel.id !== `view-${name}`
  views[name]?.show?.()
  history.replaceState(null, '', `#${name}`)
}

function markLanguage() {
  for (const button of document.querySelectorAll('[data-language]')) button.setAttribute('aria-pressed', String(button.dataset.language === currentLanguage()))
}

await setLanguage(currentLanguage())
markLanguage()
for (const button of document.querySelectorAll('[data-language]')) {
  button.addEventListener('click', () => setLanguage(button.dataset.language).then(markLanguage))
}
for (const tab of document.querySelectorAll('[data-view]')) tab.addEventListener('click', () => show(tab.dataset.view))
document.querySelector('[role="tablist"]').addEventListener('keydown', (event) => {
  const tabs = [...document.querySelectorAll('[data-view]')]
  const at = tabs.indexOf(document.activeElement)
  const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[event.key]
  if (at < 0 || next === undefined) return
  event.preventDefault()
  const tab = tabs[(next + tabs.length) % tabs.length]
  tab.focus()
  show(tab.dataset.view)
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
  const catalog = await getCatalog()
  views.run = createRunView(document.getElementById('view-run'), catalog)
  views.wallet = createWalletView(document.getElementById('view-wallet'), catalog)
  views.registry = createRegistryView(document.getElementById('view-registry'), catalog)
  views.report = createReportView(document.getElementById('view-report'), catalog)
  views.history = createHistoryView(document.getElementById('view-history'))
  show(location.hash.slice(1) in views ? location.hash.slice(1) : 'run')
  document.body.dataset.ready = 'true'
} catch (error) {
  const line = document.getElementById('load-error')
  line.hidden = false
  line.textContent = error.status === 401 ? t('app.signInNeeded') : `${t('app.loadFailed')} ${error.message}`
}
