import { getCatalog } from './api.js'
import { currentLanguage, setLanguage, t } from './i18n.js'
import { createRegistryView } from './registry-view.js'
import { createReportView } from './report-view.js'
import { createRunView } from './run-view.js'
import { createWalletView } from './wallet-view.js'

const views = {}

function show(name) {
  for (const tab of document.querySelectorAll('[data-view]')) tab.setAttribute('aria-selected', String(tab.dataset.view === name))
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

try {
  const catalog = await getCatalog()
  views.run = createRunView(document.getElementById('view-run'), catalog)
  views.wallet = createWalletView(document.getElementById('view-wallet'), catalog)
  views.registry = createRegistryView(document.getElementById('view-registry'), catalog)
  views.report = createReportView(document.getElementById('view-report'), catalog)
  show(location.hash.slice(1) in views ? location.hash.slice(1) : 'run')
  document.body.dataset.ready = 'true'
} catch (error) {
  const line = document.getElementById('load-error')
  line.hidden = false
  line.textContent = `${t('app.loadFailed')} ${error.message}`
}
