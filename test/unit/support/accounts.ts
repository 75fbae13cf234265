import { AccountSchema, type Account } from '../../../src/domain/m3ter';

/** Realistic m3ter Accounts, parsed through the same schema the service uses. */
export const ukAccount: Account = AccountSchema.parse({
  id: '6f1c2a9e-3b7d-4c51-9a2e-0d8b7f6e5a41',
  code: 'ACME-UK',
  name: 'Acme Widgets Ltd',
  emailAddress: 'billing@acme.co.uk',
  currency: 'GBP',
  address: {
    addressLine1: '1 High Street',
    locality: 'London',
    postCode: 'EC1A 1BB',
    country: 'UK',
  },
  customFields: {
    country: 'UK',
    tier: 3,
    seats: '250',
    vip: true,
    accountManager: 'jane.doe@acme-vendor.com',
  },
  daysBeforeBillDue: 30,
});

export const usAccount: Account = AccountSchema.parse({
  id: '0b7d2c4e-8f19-4a3b-b6c5-7e2d1f0a9c83',
  code: 'GLOBEX-US',
  name: 'Globex Corporation',
  emailAddress: 'ap@globex.example',
  currency: 'USD',
  address: {
    addressLine1: '500 Market St',
    locality: 'San Francisco',
    region: 'CA',
    postCode: '94105',
    country: 'US',
  },
  customFields: { accountManager: 'jane.doe@vendor.example' },
});

/** An account with neither address nor custom fields. */
export const bareAccount: Account = AccountSchema.parse({
  id: 'c3d2e1f0-1111-4222-8333-944455566677',
  name: 'Initech',
});
