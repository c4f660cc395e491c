// CloudFormation custom resource (inline Lambda code, CommonJS, Node.js 24): makes sure a Secrets
// Manager secret holds a PKCS#8 PEM Ed25519 key for JWT_PRIVATE_KEY. A key already there is never
// replaced, so redeploys and stack updates keep every issued token valid. Delete leaves the secret.
'use strict';
const { generateKeyPairSync } = require('node:crypto');
const https = require('node:https');

const PEM_HEADER = '-----BEGIN PRIVATE KEY-----';

async function ensureSigningKey(store, secretId) {
  const current = await store.get(secretId);
  if (typeof current === 'string' && current.trim().startsWith(PEM_HEADER)) return 'kept';
  const { privateKey } = generateKeyPairSync('ed25519');
  await store.put(secretId, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return 'generated';
}

function secretsManagerStore() {
  const sm = require('@aws-sdk/client-secrets-manager');
  const client = new sm.SecretsManagerClient({});
  return {
    async get(id) {
      try {
        const out = await client.send(new sm.GetSecretValueCommand({ SecretId: id }));
        return out.SecretString;
      } catch (error) {
        if (error?.name === 'ResourceNotFoundException') return undefined;
        throw error;
      }
    },
    async put(id, value) {
      await client.send(new sm.PutSecretValueCommand({ SecretId: id, SecretString: value }));
    },
  };
}

function respond(event, status, reason) {
  const body = JSON.stringify({
    Status: status,
    Reason: reason.slice(0, 1000),
    PhysicalResourceId: event.PhysicalResourceId || `signing-key-${event.LogicalResourceId}`,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: true,
    Data: {},
  });
  return new Promise((resolve, reject) => {
    const request = https.request(
      event.ResponseURL,
      { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        response.resume();
        response.on('end', resolve);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function handler(event) {
  let status = 'SUCCESS';
  let reason = 'ok';
  try {
    if (event.RequestType !== 'Delete') {
      reason = await ensureSigningKey(secretsManagerStore(), event.ResourceProperties.SecretId);
    }
  } catch (error) {
    status = 'FAILED';
    reason = String(error?.message || error);
  }
  await respond(event, status, reason);
}

module.exports = { ensureSigningKey, handler };
