// ACA-Py for the tests: the starter and the admin client live in the product (scenarios/peers/acapy/), shared with the acapy driver.
export { acapyInstallation, type AcaPyAgent, startAcaPy } from '../../scenarios/peers/acapy/agent'
export * from '../../scenarios/peers/acapy/client'
