import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';

/**
 * The gateway signs every subgraph call with an Ed25519 private key; subgraphs hold only the public
 * key, so a compromised subgraph cannot mint viewers. Keys travel in environment variables, either
 * as PEM (PKCS#8 / SPKI, literal `\n` accepted for one-line env files) or as base64 of the DER bytes
 * (one short line: what `developmentSecrets()` and `npm run secrets` print).
 */
export class SigningKeyError extends Error {}

function keyText(value: string): string | Buffer {
  const text = value.trim().replace(/\\n/g, '\n');
  if (text.includes('-----BEGIN')) return text;
  const der = Buffer.from(text, 'base64');
  // A base64-encoded PEM is a PEM too.
  return der.subarray(0, 10).toString('latin1') === '-----BEGIN' ? der.toString('latin1') : der;
}

function asEd25519(key: KeyObject, variable: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519')
    throw new SigningKeyError(
      `${variable}: must be an Ed25519 key, got ${key.asymmetricKeyType ?? 'unknown'}`,
    );
  return key;
}

export function parsePrivateKey(value: string, variable = 'GATEWAY_SIGNING_PRIVATE_KEY'): KeyObject {
  const text = keyText(value);
  try {
    const key =
      typeof text === 'string'
        ? createPrivateKey(text)
        : createPrivateKey({ key: text, format: 'der', type: 'pkcs8' });
    return asEd25519(key, variable);
  } catch (error) {
    if (error instanceof SigningKeyError) throw error;
    throw new SigningKeyError(`${variable}: not a private key in PEM or base64 DER (PKCS#8)`);
  }
}

export function parsePublicKey(value: string, variable = 'GATEWAY_SIGNING_PUBLIC_KEY'): KeyObject {
  const text = keyText(value);
  // createPublicKey would quietly derive the public half of a private key: refuse to hold one.
  if (typeof text === 'string' && text.includes('PRIVATE KEY'))
    throw new SigningKeyError(`${variable}: give the public key, not the private one`);
  try {
    const key =
      typeof text === 'string'
        ? createPublicKey(text)
        : createPublicKey({ key: text, format: 'der', type: 'spki' });
    return asEd25519(key, variable);
  } catch (error) {
    if (error instanceof SigningKeyError) throw error;
    throw new SigningKeyError(`${variable}: not a public key in PEM or base64 DER (SPKI)`);
  }
}

/** A short, non-secret fingerprint of a key pair (logged by both sides, so a mismatch is easy to see). */
export function keyId(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('base64url')
    .slice(0, 12);
}

/** A fresh Ed25519 key pair as base64 DER, the form the environment variables take. */
export function generateSigningKeys(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}
