export { canonize, JsonLdProcessingError } from './canonize'
export { bundledContextBytes, bundledContexts, CONTEXTS, publishedContextBytes } from './contexts'
export { createDocumentLoader, UnknownContextError, type DocumentLoader, type RemoteDocument } from './documentLoader'
