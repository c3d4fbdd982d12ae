// @ts-check
import { pick, t } from './i18n.js'

/** @typedef {ReturnType<typeof namer>} Names */

/**
 * Display names for the things the services only know by id, from the catalog's EN/FR data.
 * @param {import('../../pageTypes').Catalog} catalog
 * @param {import('../../pageTypes').ScenarioView | undefined} scenario
 */
export function namer(catalog, scenario) {
  const issuer = (/** @type {string} */ key) => catalog.issuers.find((i) => i.key === key)
  const type = (/** @type {string} */ id) => catalog.credentialTypes.find((c) => c.id === id)
  const policy = (/** @type {string | undefined} */ id) => catalog.policies.find((p) => p.id === id)
  return {
    party: (/** @type {string} */ key) => pick(scenario?.parties[key]?.name) || pick(issuer(key)?.name) || key,
    roleKey: (/** @type {string} */ key) => scenario?.parties[key]?.role ?? 'issuer',
    role: (/** @type {string} */ key) => t(`role.${scenario?.parties[key]?.role ?? 'issuer'}`),
    credentialType: (/** @type {string} */ id) => pick(type(id)?.display) || id,
    claim: (/** @type {string} */ typeId, /** @type {string} */ claim) => pick(type(typeId)?.claims[claim]?.display) || claim,
    policy: (/** @type {string | undefined} */ id) => pick(policy(id)?.name) || id || '',
    policyOf: policy,
    format: (/** @type {string | undefined} */ format) => t(`format.${format}`),
  }
}
