// ACA-Py for the tests: the starter and the admin client live in the product (scenarios/peers/acapy/), shared with the acapy driver.
export { acapyInstallation, type AcaPyAgent, startAcaPy } from '@interop-lab/scenarios/peers/acapy/agent'
export * from '@interop-lab/scenarios/peers/acapy/client'
