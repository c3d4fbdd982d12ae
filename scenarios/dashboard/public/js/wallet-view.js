// @ts-check
/** @typedef {import('../../pageTypes').Catalog} Catalog */
/** @typedef {import('../../pageTypes').Verification} Verification */
import { api, messageOf } from './api.js'
import { fill, h, targetValue } from './dom.js'
import { pick, t } from './i18n.js'
import { walletLink } from './links.js'
import { namer } from './names.js'
import { decisionPanel } from './trace.js'

const POLL_EVERY_MS = 2000
const POLL_FOR_MS = 10 * 60 * 1000

/**
 * Sample claims for a credential type, taken from the first scenario step that issues one.
 * @param {Catalog} catalog
 * @param {string | undefined} typeId
 * @returns {Record<string, unknown>}
 */
function sampleClaims(catalog, typeId) {
  for (const scenario of catalog.scenarios) {
    for (const step of scenario.variants[0].steps) if (step.action === 'issue' && step.credentialType === typeId) return step.claims
  }
  return {}
}

/** Real-wallet mode: offers and requests a phone wallet scans, instead of the simulated wallet answering. */
/**
 * @param {HTMLElement} root
 * @param {Catalog} catalog
 */
export function createWalletView(root, catalog) {
  /** @type {{ issuer: string | undefined, type: string | undefined, format: string | undefined, claims: Record<string, unknown>, offer: import('../../pageTypes').CreatedOffer | undefined, error: string | undefined }} */
  const issuance = { issuer: catalog.issuers[0]?.key, type: catalog.issuers[0]?.credentialTypes[0], format: catalog.offerFormats[0], claims: {}, offer: undefined, error: undefined }
  // the first pilot's request is the one a demo starts with; test-only policies come later in the list
  const firstPolicy = catalog.scenarios[0]?.variants[0].steps.find((s) => s.action === 'present')?.policy ?? catalog.policies[0]?.id
  /** @type {{ policyId: string | undefined, format: string | undefined, verification: import('../../pageTypes').CreatedVerification | undefined, status: Verification | undefined, error: string | undefined }} */
  const presentation = { policyId: firstPolicy, format: catalog.formats[0], verification: undefined, status: undefined, error: undefined }
  issuance.claims = { ...sampleClaims(catalog, issuance.type) }
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let polling

  const issueCard = h('section', { class: 'panel' })
  const presentCard = h('section', { class: 'panel' })
  fill(root, h('p', { class: 'intro' }, ''), h('div', { class: 'wallet-layout' }, issueCard, presentCard))

  const types = () => catalog.issuers.find((i) => i.key === issuance.issuer)?.credentialTypes ?? []
  const typeOf = (/** @type {string | undefined} */ id) => catalog.credentialTypes.find((c) => c.id === id)

  /**
   * @param {string} name
   * @param {import('../../pageTypes').CredentialType['claims'][string]} claim
   */
  function claimField(name, claim) {
    const id = `claim-${name}`
    const value = issuance.claims[name] ?? ''
    const set = (/** @type {string} */ v) => {
      if (v === '' || v === undefined) delete issuance.claims[name]
      else issuance.claims[name] = claim.type === 'number' ? Number(v) : v
    }
    const input = claim.enum
      ? h('select', { id, onchange: (/** @type {Event} */ e) => set(targetValue(e)) }, [h('option', { value: '' }, '—'), claim.enum.map((v) => h('option', { value: v, selected: v === value }, v))])
      : claim.type === 'boolean'
        ? h('input', { id, type: 'checkbox', checked: value === true, onchange: (/** @type {Event} */ e) => (issuance.claims[name] = /** @type {HTMLInputElement} */ (e.target).checked) })
        : h('input', { id, type: claim.type === 'date' ? 'date' : claim.type === 'number' ? 'number' : 'text', value, oninput: (/** @type {Event} */ e) => set(targetValue(e)) })
    return h('div', { class: 'claim-field' }, h('label', { for: id }, pick(claim.display), claim.required ? h('span', { class: 'required', title: t('wallet.required') }, ' *') : null), input)
  }

  function renderIssue() {
    const type = typeOf(issuance.type)
    fill(
      issueCard,
      h('h2', {}, t('wallet.issue.title')),
      h('p', { class: 'muted small' }, t('wallet.issue.help')),
      h('label', { class: 'field-label', for: 'offer-issuer' }, t('wallet.issuer')),
      h(
        'select',
        {
          id: 'offer-issuer',
          onchange: (/** @type {Event} */ e) => {
            issuance.issuer = targetValue(e)
            issuance.type = types()[0]
            issuance.claims = { ...sampleClaims(catalog, issuance.type) }
            renderIssue()
          },
        },
        catalog.issuers.map((i) => h('option', { value: i.key, selected: i.key === issuance.issuer }, `${pick(i.name)} (${i.jurisdiction})`)),
      ),
      h('label', { class: 'field-label', for: 'offer-type' }, t('wallet.credentialType')),
      h(
        'select',
        {
          id: 'offer-type',
          onchange: (/** @type {Event} */ e) => {
            issuance.type = targetValue(e)
            issuance.claims = { ...sampleClaims(catalog, issuance.type) }
            renderIssue()
          },
        },
        types().map((id) => h('option', { value: id, selected: id === issuance.type }, pick(typeOf(id)?.display) || id)),
      ),
      h('label', { class: 'field-label', for: 'offer-format' }, t('run.format')),
      h(
        'select',
        { id: 'offer-format', onchange: (/** @type {Event} */ e) => (issuance.format = targetValue(e)) },
        catalog.offerFormats.map((f) => h('option', { value: f, selected: f === issuance.format }, t(`format.${f}`))),
      ),
      h(
        'fieldset',
        { class: 'claims-form' },
        h('legend', { class: 'field-label' }, t('wallet.claims')),
        Object.entries(type?.claims ?? {}).map(([name, claim]) => claimField(name, claim)),
      ),
      h('button', { class: 'primary', onclick: createOffer }, t('wallet.issue.create')),
      issuance.error ? h('p', { class: 'error-line', role: 'alert' }, issuance.error) : null,
      issuance.offer ? walletLink('offer', issuance.offer.offerUri, { txCode: issuance.offer.txCode, note: t('wallet.issue.scan') }) : null,
    )
  }

  async function createOffer() {
    issuance.error = undefined
    issuance.offer = undefined
    try {
      issuance.offer = await api('POST', '/api/offers', { issuer: issuance.issuer, credentialType: issuance.type, format: issuance.format, claims: issuance.claims })
    } catch (error) {
      issuance.error = messageOf(error)
    }
    renderIssue()
  }

  function renderPresent() {
    const policy = catalog.policies.find((p) => p.id === presentation.policyId)
    const scenario = catalog.scenarios.find((s) => policy && s.parties[policy.verifier])
    const names = namer(catalog, scenario)
    const { verification, status } = presentation
    fill(
      presentCard,
      h('h2', {}, t('wallet.present.title')),
      h('p', { class: 'muted small' }, t('wallet.present.help')),
      h('label', { class: 'field-label', for: 'request-policy' }, t('wallet.policy')),
      h(
        'select',
        {
          id: 'request-policy',
          onchange: (/** @type {Event} */ e) => {
            presentation.policyId = targetValue(e)
            renderPresent()
          },
        },
        catalog.policies.map((p) => h('option', { value: p.id, selected: p.id === presentation.policyId }, pick(p.name))),
      ),
      policy ? h('p', { class: 'muted small' }, pick(policy.purpose)) : null,
      h('label', { class: 'field-label', for: 'request-format' }, t('run.format')),
      h(
        'select',
        { id: 'request-format', onchange: (/** @type {Event} */ e) => (presentation.format = targetValue(e)) },
        catalog.formats.map((f) => h('option', { value: f, selected: f === presentation.format }, t(`format.${f}`))),
      ),
      h('button', { class: 'primary', onclick: createRequest }, t('wallet.present.create')),
      presentation.error ? h('p', { class: 'error-line', role: 'alert' }, presentation.error) : null,
      verification ? walletLink('request', verification.requestUri, { note: t('wallet.present.scan') }) : null,
      status
        ? h(
            'p',
            { class: 'status-line' },
            t('wallet.state'),
            ' ',
            h('strong', {}, t(`wallet.state.${status.state}`) === `wallet.state.${status.state}` ? status.state : t(`wallet.state.${status.state}`)),
          )
        : null,
      status?.decision ? decisionPanel(status.decision, { policyId: status.policyId, verifierKey: policy?.verifier, names }) : null,
    )
  }

  async function createRequest() {
    clearInterval(polling)
    Object.assign(presentation, { error: undefined, verification: undefined, status: undefined })
    try {
      /** @type {import('../../pageTypes').CreatedVerification} */
      const verification = await api('POST', '/api/verifications', { policyId: presentation.policyId, format: presentation.format })
      presentation.verification = verification
      const started = Date.now()
      const id = verification.id
      polling = setInterval(async () => {
        try {
          /** @type {Verification} */
          const status = await api('GET', `/api/verifications/${encodeURIComponent(id)}`)
          if (presentation.verification?.id !== id) return
          const changed = status.state !== presentation.status?.state || (status.decision && !presentation.status?.decision)
          presentation.status = status
          if (status.decision || status.state === 'Error' || Date.now() - started > POLL_FOR_MS) clearInterval(polling)
          if (changed) renderPresent()
        } catch (error) {
          clearInterval(polling)
          presentation.error = messageOf(error)
          renderPresent()
        }
      }, POLL_EVERY_MS)
    } catch (error) {
      presentation.error = messageOf(error)
    }
    renderPresent()
  }

  function render() {
    const intro = root.querySelector('.intro')
    if (intro) intro.textContent = t('wallet.intro')
    renderIssue()
    renderPresent()
  }
  document.addEventListener('languagechange', render)
  render()
  return {}
}
