/** Signs, in an error message, that two parties implement different versions of a specification. */
const MISMATCHES: { test: (text: string) => boolean; explanation: string }[] = [
  {
    test: (text) => /vc\+sd-jwt/i.test(text),
    explanation: 'SD-JWT VC media type: vc+sd-jwt (SD-JWT VC drafts up to 05) vs dc+sd-jwt (draft 06 and later)',
  },
  {
    test: (text) => /dcql/i.test(text) && /presentation[_ ]definition|presentation exchange|\bpex\b/i.test(text),
    explanation: 'OID4VP query language: DIF Presentation Exchange (OID4VP drafts) vs DCQL (OID4VP 1.0)',
  },
  {
    test: (text) => /openid4vp version|oid4vp version|unsupported (draft|version)|v1\.draft\d+|draft[- ]?(1[0-9]|2[0-9])\b/i.test(text),
    explanation: 'OID4VP version: a draft vs 1.0',
  },
  {
    test: (text) => /(issue-credential|present-proof)\/1\.0|no message in requests~attach supported|unsupported message type/i.test(text),
    explanation: 'DIDComm protocol version: issue-credential / present-proof 1.0 vs 2.0',
  },
]

/** What spec-version mismatch an error names, if any. */
export function specVersionMismatch(message: string): string | undefined {
  return MISMATCHES.find(({ test }) => test(message))?.explanation
}
