/** A reason in both official languages: what a check found, naming the check and, where one applies, the spec clause. */
export interface Reason {
  en: string
  fr: string
  clause?: string
}

/** A reason whose texts start with the clause it enforces ("RFC 9901 §7.1: …"), as the trace shows it. */
export const clauseReason = (clause: string, en: string, fr: string): Reason => ({ clause, en: `${clause}: ${en}`, fr: `${clause} : ${fr}` })

/** The check names as people read them, in French (the trace's EN names are the check ids). */
export const CHECK_NAMES_FR: Record<string, string> = {
  signature: 'signature de l’émetteur',
  'holder-binding': 'lien avec le détenteur',
  nonce: 'réponse à cette demande (nonce, audience)',
  freshness: 'fraîcheur de la preuve',
  expiry: 'période de validité',
  status: 'statut de révocation',
  'trust-registry': 'registre de confiance',
  claims: 'renseignements demandés',
  minimization: 'minimisation des données',
  policy: 'règle d’affaires',
  response: 'réponse',
  encoding: 'encodage des valeurs révélées',
  predicates: 'prédicats',
  'spec-version': 'version de spécification',
  disclosures: 'divulgations sélectives',
  format: 'format de la présentation',
  profile: 'exigence du profil (HAIP)',
}

/**
 * French for a line whose English comes from a check that reports one language (the signer-is-issuer and status checks,
 * the trust registry's own words, a rule's description): the check named in French, the finding quoted as reported.
 */
export function frenchOf(check: string, passed: boolean, message: string): string {
  const name = CHECK_NAMES_FR[check] ?? check
  return `${name[0].toUpperCase()}${name.slice(1)} — ${passed ? 'vérification réussie' : 'échec'} : « ${message} »`
}
