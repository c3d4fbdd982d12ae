import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface CertificateFiles {
  certFile: string
  keyFile: string
  cert: string
  key: string
}

/**
 * A self-signed P-256 certificate for local HTTPS (test harnesses that insist on https), made once
 * with openssl and reused from `dir`. Clients must trust `certFile` (Node: NODE_EXTRA_CA_CERTS).
 */
export function selfSignedCertificate(dir: string, hosts: readonly string[] = ['localhost', '127.0.0.1']): CertificateFiles {
  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    mkdirSync(dir, { recursive: true })
    const altNames = hosts.map((host) => (/^[\d.]+$|:/.test(host) ? `IP:${host}` : `DNS:${host}`)).join(',')
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '90',
          '-subj',
          '/CN=interop-lab local',
          '-addext',
          `subjectAltName=${altNames}`,
          '-keyout',
          keyFile,
          '-out',
          certFile,
        ],
        { stdio: 'pipe' },
      )
    } catch (error) {
      throw new Error(`Could not create a self-signed certificate with openssl (${(error as Error).message}); pass --cert and --key instead`)
    }
  }
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') }
}
