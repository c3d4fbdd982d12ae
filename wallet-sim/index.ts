// @interop-lab/wallet-sim: what other packages may use (package.json `exports` lists the rest); all else is internal.
export { loadPersonas, type Persona, startWalletService, type WalletService, type WalletServiceOptions } from './service'
