// @interop-lab/trust-registry: what other packages may use. Services use only its client API (`./client`, `./federation`,
// `./keyPin`, `./trqp`); the lab's harness also starts registries and reads their governance files.
export { startTrustRegistry, type TrustRegistry, type TrustRegistryOptions } from './service'
