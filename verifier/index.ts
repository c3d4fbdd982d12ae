// @interop-lab/verifier: what other packages may use (package.json `exports` lists the rest); all else is internal.
export { startVerifierService, type VerifierService, type VerifierServiceOptions } from './service'
