// @interop-lab/issuer: what other packages may use (package.json `exports` lists the rest); all else is internal.
export { type IssuerService, type IssuerServiceOptions, startIssuerService } from './service'
