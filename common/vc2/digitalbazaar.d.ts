// Digital Bazaar's ecdsa-sd-2023 cryptosuite ships no type declarations; common/vc2/ecdsaSd2023.ts is its only user.
declare module '@digitalbazaar/ecdsa-sd-2023-cryptosuite'
