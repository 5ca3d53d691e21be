// `npm run sealing-key`: prints a new key pair for sealed secrets (README, "Secrets at rest"): the
// private JWK goes into the workers' AUDITFLOW_SEALING_KEYS (a JSON array, new key first), the public
// JWK into the API's AUDITFLOW_SEALING_PUBLIC_KEY.
import { generateSealingKey } from '../lib/sealing';

const { kid, privateJwk, publicJwk } = generateSealingKey();
console.log(`# key ${kid}`);
console.log(`# workers: prepend to AUDITFLOW_SEALING_KEYS (keep this secret)`);
console.log(JSON.stringify(privateJwk));
console.log(`# API: AUDITFLOW_SEALING_PUBLIC_KEY, once every worker holds the private key`);
console.log(JSON.stringify(publicJwk));
