export { selfSignedCertificate, type CertificateFiles } from './selfSignedCertificate'
export { startTlsFront, type TlsFront } from './tlsFront'
