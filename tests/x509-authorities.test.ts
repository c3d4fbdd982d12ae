import { Kms, X509Service } from '@credo-ts/core'
import { mkdtempSync, rmSync } from 'node:fs'
import { X509Certificate as OpenSslCertificate } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAgent } from '@interop-lab/common/agent'
import { X509Authorities, x509Migrations } from '@interop-lab/common/x509/authorities'

const readableByOpenSsl = (der: string) => {
  try {
    new OpenSslCertificate(Buffer.from(der, 'base64'))
    return true
  } catch {
    return false
  }
}

describe('the lab CAs sign certificates OpenSSL reads (common/x509/authorities.ts)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'interop-x509-authorities-'))
  let lab: Awaited<ReturnType<typeof createAgent>>
  let authorities: X509Authorities
  const issuer = (n: number) => ({ key: `issuer-${n}`, name: `Issuer ${n}`, jurisdiction: 'CA-NL', issuerUrl: `https://issuer-${n}.example/oid4vci/nl` })

  beforeAll(async () => {
    lab = await createAgent({ database: { engine: 'sqlite', file: join(dataDir, 'agent.sqlite') }, dataDir, modules: {}, migrations: x509Migrations })
    authorities = new X509Authorities(lab.agent, lab.db)
  })
  afterAll(async () => {
    await lab.shutdown()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('issues 1,000 signing certificates that all parse in OpenSSL (one in 512 of what Credo signs does not: RFC 5280 §4.1.2.2, X.690 §8.3.2)', async () => {
    const unreadable: string[] = []
    for (let n = 0; n < 1000; n++) {
      const { leaf } = await authorities.signer(issuer(n))
      if (!readableByOpenSsl(leaf.der)) unreadable.push(leaf.der)
    }
    expect(unreadable).toEqual([])
  }, 60_000)

  it("re-issues a stored leaf OpenSSL cannot read (its serial number padded with a 0 octet), as Credo's createCertificate makes one", async () => {
    const { root } = await authorities.signer(issuer(0))
    const subject = issuer(5000)
    // Credo itself, without the lab's check: a leaf under the same root, until it writes one OpenSSL refuses
    let refused: string | undefined
    for (let attempt = 0; attempt < 5000 && !refused; attempt++) {
      const { publicJwk, keyId } = await lab.agent.kms.createKey({ type: { kty: 'EC', crv: 'P-256' } })
      const key = Kms.PublicJwk.fromPublicJwk(publicJwk)
      key.keyId = keyId
      const certificate = await X509Service.createCertificate(lab.agent.context, {
        authorityKey: root.certificate.publicJwk,
        subjectPublicKey: key,
        issuer: root.certificate.subject,
        subject: { commonName: subject.name },
        extensions: { subjectAlternativeName: { name: [{ type: 'url', value: subject.issuerUrl }] } },
      })
      const der = certificate.toString('base64')
      if (!readableByOpenSsl(der)) refused = der
    }
    expect(refused, "Credo's createCertificate no longer writes unreadable leaves: the lab's re-signing loop can go").toBeDefined()
    // the certificate's serial number is a DER INTEGER of 16 octets whose first is a needless 0
    const serial = Buffer.from(refused!, 'base64').subarray(13, 31)
    expect([serial[0], serial[1], serial[2]]).toEqual([0x02, 0x10, 0x00])
    expect(serial[3]).toBeLessThan(0x80)

    await lab.db.run("INSERT INTO x509_certificates (name, kms_key_id, certificate) VALUES (?, 'a-key', ?)", [`leaf:${subject.key}`, refused!])
    const { leaf } = await new X509Authorities(lab.agent, lab.db).signer(subject)
    expect(leaf.der).not.toBe(refused)
    expect(readableByOpenSsl(leaf.der)).toBe(true)
    expect(leaf.certificate.sanUriNames).toContain(subject.issuerUrl)
  }, 60_000)
})
