import { pick, t } from './i18n.js'

/** Display names for the things the services only know by id, from the catalog's EN/FR data. */
export function namer(catalog, scenario) {
  const issuer = (key) => catalog.issuers.find((i) => i.key === key)
  const type = (id) => catalog.credentialTypes.find((c) => c.id === id)
  const policy = (id) => catalog.policies.find((p) => p.id === id)
  return {
    party: (key) => pick(scenario?.parties[key]?.name) || pick(issuer(key)?.name) || key,
    roleKey: (key) => scenario?.parties[key]?.role ?? 'issuer',
    role: (key) => t(`role.${scenario?.parties[key]?.role ?? 'issuer'}`),
    credentialType: (id) => pick(type(id)?.display) || id,
    claim: (typeId, claim) => pick(type(typeId)?.claims[claim]?.display) || claim,
    policy: (id) => pick(policy(id)?.name) || id,
    policyOf: policy,
    format: (format) => t(`format.${format}`),
  }
}
