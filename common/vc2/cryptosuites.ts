import type { Cryptosuite } from './dataIntegrity'
import { ecdsaRdfc2019 } from './ecdsaRdfc2019'
import { eddsaRdfc2022 } from './eddsaRdfc2022'

/** The Data Integrity cryptosuites the lab issues and verifies. */
export const CRYPTOSUITES: readonly Cryptosuite[] = [eddsaRdfc2022, ecdsaRdfc2019]

export const cryptosuiteNamed = (name: string): Cryptosuite | undefined => CRYPTOSUITES.find((suite) => suite.name === name)
