import { malloryIssuer } from '../drivers/malloryIssuer'
import { malloryVerifier } from '../drivers/malloryVerifier'
import type { Parties } from '../drivers/types'
import { runWalletConformance } from './conformance'
import { conformanceReport, formatConformanceText, writeConformanceReports } from './report'
import { startMallory } from './service'

/** The holder whose wallet is tested, and the lab issuer that gives it a real credential first. */
const HOLDER = 'business-owner'
const HONEST_ISSUER = 'bc-person-credential'

/**
 * `--conformance wallet`: Mallory's issuer and verifier against the run's wallet (the lab's, or a targets file's);
 * prints the rows, writes the reports, and answers the exit code (1 when the wallet accepted any Mallory case).
 */
export async function walletConformanceCommand(parties: Parties, reportsDir: string): Promise<number> {
  const mallory = await startMallory()
  try {
    console.log(`\nWallet conformance: Mallory's issuer and verifier at ${mallory.url} against ${parties.wallet.implementation} (${parties.wallet.url})…`)
    const started = new Date()
    const rows = await runWalletConformance({
      wallet: parties.wallet,
      holder: HOLDER,
      malloryIssuer: malloryIssuer(mallory.url),
      malloryVerifier: malloryVerifier(mallory.url),
      honestIssuer: { driver: parties.issuer, issuer: HONEST_ISSUER },
    })
    const report = conformanceReport(parties.wallet.implementation, rows, started)
    console.log(`\n${formatConformanceText(report)}`)
    console.log(`\nReports: ${writeConformanceReports(report, reportsDir).join(', ')}`)
    return report.failed ? 1 : 0
  } finally {
    await mallory.close()
  }
}
