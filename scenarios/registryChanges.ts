import { describeRegistry } from '@interop-lab/trust-registry/federate'
import type { Recognition } from '@interop-lab/trust-registry/store'
import type { RegistryReference } from '@interop-lab/contracts'
import { callJson } from './client'
import { startForgingRegistry, startReplayingRelay } from './mallory/registry'
import type { RegistryStep } from './scenario'

/** The trust registry the run's verifier asks (the federal one), and the admin key the runner may change registries with. */
export interface RegistryAccess {
  url: string
  adminApiKey: string
}

/** What a registry step did, in a sentence, and how to put it back as it was. */
export interface RegistryChange {
  summary: string
  undo(): Promise<void>
}

interface Listing {
  authority: string
  recognitions: Recognition[]
  registries: RegistryReference[]
}

const listingOf = (url: string) => callJson<Listing>('GET', `${url}/registry/recognitions`)

/** Where `jurisdiction`'s registry answers: the run's own registry, or one it links to by a recognition. */
async function registryOf(access: RegistryAccess, jurisdiction: string): Promise<string> {
  const home = await listingOf(access.url)
  if (home.authority === jurisdiction) return access.url.replace(/\/+$/, '')
  const linked = home.registries.find((link) => link.jurisdiction === jurisdiction)
  if (!linked) {
    throw new Error(`The run's trust registry (${home.authority}, ${access.url}) links no registry for ${jurisdiction}: registry steps need one registry per jurisdiction (a federated stack)`)
  }
  return linked.url
}

async function withdrawRecognition(access: RegistryAccess, url: string, step: RegistryStep, recognizes: string, resource: string): Promise<RegistryChange> {
  const { recognitions } = await listingOf(url)
  const standing = recognitions.find((r) => r.authority === step.registry && r.recognizes === recognizes && r.resource === resource && !r.withdrawnAt)
  if (!standing) throw new Error(`${step.registry} has no standing recognition of ${recognizes} for ${resource} to withdraw`)
  await callJson('DELETE', `${url}/admin/recognitions/${recognizes}?resource=${encodeURIComponent(resource)}`, undefined, access.adminApiKey)
  const terms = { resources: [resource], maxAssuranceLevel: standing.maxAssuranceLevel, validUntil: standing.validUntil }
  return {
    summary: `${step.registry} withdrew its recognition of ${recognizes} for ${resource}`,
    undo: async () => void (await callJson('PUT', `${url}/admin/recognitions/${recognizes}`, terms, access.adminApiKey)),
  }
}

async function relink(access: RegistryAccess, url: string, step: RegistryStep, recognizes: string, to: string): Promise<RegistryChange> {
  const { registries } = await listingOf(url)
  const current = registries.find((link) => link.jurisdiction === recognizes)
  if (!current) throw new Error(`${step.registry}'s registry links no registry for ${recognizes} to point elsewhere`)
  const impostor = to === 'mallory' ? await startForgingRegistry(current.url) : to === 'replay' ? await startReplayingRelay(current.url) : undefined
  // an impostor answers where the genuine registry did, under the genuine key's name: what a verifier must catch
  const target = impostor ? { url: impostor.url, key: current.key } : await describeRegistry(await registryOf(access, to))
  const link = (value: { url: string; key: string }) => callJson('PUT', `${url}/admin/registries/${recognizes}`, { url: value.url, key: value.key }, access.adminApiKey)
  try {
    await link(target)
  } catch (error) {
    await impostor?.close()
    throw error
  }
  const who = to === 'mallory' ? "Mallory's registry, signing with its own key" : to === 'replay' ? `a relay replaying ${recognizes}'s answers recorded now` : `${to}'s registry`
  return {
    summary: `${step.registry}'s registry now finds ${recognizes}'s registry at ${target.url} (${who})`,
    undo: async () => {
      await link(current)
      await impostor?.close()
    },
  }
}

/** Applies a registry step to the registry of its jurisdiction, reached through the run's own registry. */
export async function changeRegistry(access: RegistryAccess, step: RegistryStep): Promise<RegistryChange> {
  const url = await registryOf(access, step.registry)
  const { change } = step
  return change.kind === 'withdraw-recognition' ? withdrawRecognition(access, url, step, change.recognizes, change.resource) : relink(access, url, step, change.recognizes, change.to)
}
