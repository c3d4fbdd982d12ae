// @ts-check
/** @typedef {import('../../pageTypes').RegistryEntity} Entity */
/** @typedef {import('../../pageTypes').Catalog} Catalog */
import { api, messageOf } from './api.js'
import { fill, h } from './dom.js'
import { formatDate, pick, t } from './i18n.js'

/** A message when the catalog has it, the raw value otherwise (an action or status the page does not know yet). */
const known = (/** @type {string} */ key, /** @type {string} */ fallback) => (t(key) === key ? fallback : t(key))

/**
 * @param {Entity['authorizations'][number]} authorization
 * @param {Catalog} catalog
 */
function authorizationBadge(authorization, catalog) {
  const type = catalog.credentialTypes.find((c) => c.id === authorization.resource)
  return h('span', { class: 'badge authorized' }, `${known(`registry.action.${authorization.action}`, authorization.action)} · ${pick(type?.display) || authorization.resource}`)
}

/** @param {Entity} entity */
function validity(entity) {
  const parts = [entity.validFrom ? t('registry.from', { date: formatDate(entity.validFrom) }) : '', entity.validUntil ? t('registry.until', { date: formatDate(entity.validUntil) }) : '']
  return parts.filter(Boolean).join(' ') || t('registry.always')
}

/** The registry's public listing: entities, their jurisdictions, what they are authorized for, and their status. */
/**
 * @param {HTMLElement} root
 * @param {Catalog} catalog
 */
export function createRegistryView(root, catalog) {
  /** @type {import('../../pageTypes').RegistryListing | undefined} */
  let listing
  /** @type {string | undefined} */
  let problem

  /** @param {Entity[]} entities */
  function table(entities) {
    return h(
      'table',
      { class: 'data registry' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['registry.entity', 'registry.jurisdiction', 'registry.authorizations', 'registry.validity', 'registry.status'].map((key) => h('th', { scope: 'col' }, t(key))),
        ),
      ),
      h(
        'tbody',
        {},
        entities.map((entity) =>
          h(
            'tr',
            { dataset: { entity: entity.key } },
            h('td', {}, h('div', { class: 'entity-name' }, pick(entity.name) || entity.key), h('div', { class: 'did', title: t('registry.did') }, entity.entityId ?? t('registry.notBound'))),
            h('td', {}, entity.jurisdiction),
            h(
              'td',
              {},
              entity.authorizations.map((a) => authorizationBadge(a, catalog)),
            ),
            h('td', { class: 'small' }, validity(entity)),
            h('td', {}, h('span', { class: `badge ${entity.status}` }, known(`registry.status.${entity.status}`, entity.status))),
          ),
        ),
      ),
    )
  }

  function render() {
    const entities = listing?.entities ?? []
    fill(
      root,
      h(
        'section',
        { class: 'panel' },
        h('div', { class: 'report-head' }, h('h2', {}, t('registry.title')), h('button', { class: 'secondary', onclick: load }, t('common.refresh'))),
        h('p', { class: 'muted' }, t('registry.help')),
        listing?.authority ? h('p', {}, t('registry.authority', { authority: listing.authority })) : null,
        problem ? h('p', { class: 'error-line' }, t('registry.unavailable'), ' ', problem) : null,
        !listing && !problem ? h('p', { class: 'muted' }, t('common.loading')) : null,
        listing && !entities.length ? h('p', { class: 'muted' }, t('registry.none')) : null,
        entities.length ? table(entities) : null,
      ),
    )
  }

  async function load() {
    problem = undefined
    try {
      listing = await api('GET', '/api/trust-registry')
    } catch (error) {
      problem = messageOf(error)
    }
    render()
  }

  document.addEventListener('languagechange', render)
  return { show: load }
}
