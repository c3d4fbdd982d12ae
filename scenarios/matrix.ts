import { CREDENTIAL_FORMATS, type CredentialFormat } from '../common/credentialTypes'
import { formatLimit, type Protocol, PROTOCOLS } from '../common/protocols'
import { fetchCapabilities, type PartyCapabilities, unsupportedReason } from './capabilities'
import { type RunEvent, runVariant, unsupportedRow, type VariantResult } from './runner'
import type { Scenario } from './scenario'
import type { Endpoints } from './steps'

export interface Combination {
  protocol: Protocol
  format: CredentialFormat
}

/** Every protocol with every format: the columns of the interoperability matrix. */
export const ALL_COMBINATIONS: Combination[] = PROTOCOLS.flatMap((protocol) => CREDENTIAL_FORMATS.map((format) => ({ protocol, format })))

export interface MatrixRun {
  capabilities: PartyCapabilities
  results: VariantResult[]
}

/**
 * Every variant of every scenario in every protocol and format. A combination some party does not
 * speak (its `GET /capabilities`), or a variant does not apply to, is an `unsupported` row, not a failure.
 */
export async function runMatrix(
  endpoints: Endpoints,
  scenarios: Scenario[],
  options: { combinations?: Combination[]; onEvent?: (event: RunEvent) => void } = {},
): Promise<MatrixRun> {
  const capabilities = await fetchCapabilities(endpoints)
  const results: VariantResult[] = []
  for (const scenario of scenarios) {
    for (const variant of [undefined, ...scenario.variants]) {
      for (const { protocol, format } of options.combinations ?? ALL_COMBINATIONS) {
        const limit = Object.values(variant?.expect ?? {})
          .map((expected) => formatLimit(format, expected.failedCheck))
          .find(Boolean)
        const notApplicable = variant?.formats && !variant.formats.includes(format) ? `the variant applies only to ${variant.formats.join(', ')}` : limit ? `not applicable to ${format}: ${limit}` : undefined
        const reason = notApplicable ?? unsupportedReason(capabilities, protocol, format)
        results.push(reason ? unsupportedRow(scenario, variant, format, protocol, reason) : await runVariant(endpoints, scenario, variant, format, options.onEvent, protocol))
      }
    }
  }
  return { capabilities, results }
}
