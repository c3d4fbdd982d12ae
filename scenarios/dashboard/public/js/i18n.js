// @ts-check
// Message catalogs live in /i18n/<lang>.json; the page carries keys, never text.
const LANGUAGES = ['en', 'fr']
const stored = localStorage.getItem('interop-lab-language')
let language = stored && LANGUAGES.includes(stored) ? stored : navigator.language?.startsWith('fr') ? 'fr' : 'en'
/** @type {Record<string, string>} */
let messages = {}

export const currentLanguage = () => language
/** Whether the catalog has a message for `key` (data may name checks or states the page does not know yet). */
export const has = (/** @type {string} */ key) => key in messages
export const languages = () => LANGUAGES

/**
 * The message for `key`, with `{name}` placeholders filled from `vars`; the key itself when missing, so gaps show.
 * @param {string} key
 * @param {Record<string, unknown>} [vars]
 */
export function t(key, vars = {}) {
  const template = messages[key]
  if (template === undefined) return key
  return template.replace(/\{(\w+)\}/g, (whole, name) => (vars[name] === undefined ? whole : String(vars[name])))
}

/**
 * The current language's text of an { en, fr } value from the data files.
 * @param {{ en: string, fr?: string } | undefined} localized
 * @returns {string}
 */
export function pick(localized) {
  if (!localized) return ''
  return (language === 'fr' ? localized.fr : localized.en) ?? localized.en ?? ''
}

/** @param {string} iso */
export function formatDate(iso) {
  return new Intl.DateTimeFormat(language === 'fr' ? 'fr-CA' : 'en-CA', { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso))
}

/** @param {number} ms */
export function formatDuration(ms) {
  const seconds = ms / 1000
  return `${new Intl.NumberFormat(language === 'fr' ? 'fr-CA' : 'en-CA', { maximumFractionDigits: seconds < 10 ? 1 : 0 }).format(seconds)} s`
}

/**
 * Fills every element that names a message: data-i18n (text), data-i18n-title, data-i18n-aria-label.
 * @param {ParentNode} root
 */
export function translateStatic(root = document) {
  for (const element of root.querySelectorAll('[data-i18n]')) if (element instanceof HTMLElement) element.textContent = t(element.dataset.i18n ?? '')
  for (const element of root.querySelectorAll('[data-i18n-title]')) if (element instanceof HTMLElement) element.title = t(element.dataset.i18nTitle ?? '')
  for (const element of root.querySelectorAll('[data-i18n-aria-label]')) if (element instanceof HTMLElement) element.setAttribute('aria-label', t(element.dataset.i18nAriaLabel ?? ''))
}

/**
 * Loads a catalog, translates the page and tells the views (event `languagechange` on document).
 * @param {string} next
 */
export async function setLanguage(next) {
  const response = await fetch(`i18n/${next}.json`)
  if (!response.ok) throw new Error(`No message catalog for ${next}`)
  messages = await response.json()
  language = next
  localStorage.setItem('interop-lab-language', next)
  document.documentElement.lang = next
  document.title = t('app.title')
  translateStatic()
  document.dispatchEvent(new CustomEvent('languagechange', { detail: next }))
}
