/**
 * The interop failures between the lab and other DIDComm implementations seen so far (issue 17), recognised in what
 * a peer said (an ACA-Py exchange record's `error_msg`, a problem report, a refusal by the lab's own side), so that a
 * cell names the known cause and its spec clause rather than only the raw text.
 */
export interface PeerReason {
  /** The name a cell's reason starts with. */
  name: string
  /** The text that shows it, from either side. */
  pattern: RegExp
}

export const PEER_REASONS: readonly PeerReason[] = [
  {
    // ACA-Py's issue-credential handlers, for an attached offer whose ~thread.pthid does not name the invitation
    name: 'RFC 0434: attached message without pthid',
    pattern: /no connection or associated connectionless exchange/i,
  },
  {
    // ACA-Py's ld_proof handler ("…credential status type does not match credential request"), and the lab wallet's refusal
    name: 'RFC 0593: credentialStatus not in offer options',
    pattern: /credential status (type )?does not match credential request|credentialStatus not in offer options/i,
  },
  {
    name: 'RFC 0593: proofPurpose default (assertionMethod) not applied',
    pattern: /proof purpose does not match/i,
  },
  {
    name: 'key type JsonWebKey2020 not supported by the peer',
    pattern: /JsonWebKey2020|Unsupported key type|Could not convert to multikey/i,
  },
  {
    // ACA-Py's schemas validate options.challenge and presentation_definition.id as UUID4 ("Value … is not UUID4"),
    // in its admin API and in the messages it receives alike
    name: 'UUID challenge: ACA-Py takes options.challenge and presentation_definition.id only as UUID4',
    pattern: /is not UUID4|not a valid UUID/i,
  },
  {
    name: 'PE schema matching: compact vs expanded IRI',
    pattern: /schema.*(did not match|does not match|not satisf)|no (applicable|matching) credentials?.*(schema|input descriptor)/i,
  },
]

/** The known interop failure `text` shows, if any. */
export function recognisePeerReason(text: string): PeerReason | undefined {
  return PEER_REASONS.find((reason) => reason.pattern.test(text))
}

/** `text` with the known failure it shows named first (`<name> — <text>`), or as it was (when it shows none, or starts with it). */
export function withPeerReason(text: string): string {
  const known = recognisePeerReason(text)
  return known && !text.startsWith(known.name) ? `${known.name} — ${text}` : text
}
