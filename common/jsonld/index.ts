export { canonize, JsonLdProcessingError } from './canonize'
export { bundledContexts, CONTEXTS } from './contexts'
export { createDocumentLoader, UnknownContextError, type DocumentLoader, type RemoteDocument } from './documentLoader'
