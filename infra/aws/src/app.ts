import { App } from 'aws-cdk-lib';
import { defineLedgerbase } from './ledgerbase-stack.ts';

// `npx aws-cdk@2 deploy` runs this (cdk.json); the CLI sets CDK_DEFAULT_ACCOUNT/REGION from the
// credentials in use, so no account id lives in the code. See infra/aws/README.md.
const app = new App();
defineLedgerbase(app, {
  account: process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_DEFAULT_REGION,
});
app.synth();
