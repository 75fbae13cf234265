/**
 * The sandbox company every realm starts as: a fixed set of Items and Customers created through the same
 * rules as API calls, so ids and shapes are exactly what a client would see (Item 1 is "Services").
 */
import { ENTITIES } from './entities';
import type { OpContext } from './entities';
import type { Realm } from './store';

export const SEED_ITEMS = [
  { Name: 'Services', Type: 'Service', Description: 'Services' },
  { Name: 'Hours', Type: 'Service', Description: 'Hourly work', UnitPrice: 0 },
  { Name: 'Usage', Type: 'Service', Description: 'Metered usage' },
  { Name: 'Subscription', Type: 'Service', Description: 'Recurring subscription' },
  { Name: 'Credit', Type: 'Service', Description: 'Credits and adjustments' },
] as const;

export const SEED_CUSTOMERS = [
  {
    DisplayName: "Amy's Bird Sanctuary",
    GivenName: 'Amy',
    FamilyName: 'Lauterbach',
    Email: 'birds@intuit.com',
    City: 'Bayshore',
    Zip: '94326',
  },
  {
    DisplayName: "Bill's Windsurf Shop",
    GivenName: 'Bill',
    FamilyName: 'Lucchini',
    Email: 'surf@intuit.com',
    City: 'Half Moon Bay',
    Zip: '94213',
  },
  {
    DisplayName: 'Cool Cars',
    GivenName: 'Grace',
    FamilyName: 'Pariente',
    Email: 'cool_cars@intuit.com',
    City: 'Half Moon Bay',
    Zip: '94213',
  },
  {
    DisplayName: 'Diego Rodriguez',
    GivenName: 'Diego',
    FamilyName: 'Rodriguez',
    Email: 'diego@intuit.com',
    City: 'Menlo Park',
    Zip: '94304',
  },
  {
    DisplayName: 'Dukes Basketball Camp',
    GivenName: 'Peter',
    FamilyName: 'Dukes',
    Email: 'dukes@intuit.com',
    City: 'Tucson',
    Zip: '85719',
  },
] as const;

export function seedRealm(realm: Realm, nowMs: number): void {
  const ctx: OpContext = { realm, nowMs, allowDuplicateDocNumber: false };
  for (const item of SEED_ITEMS) ENTITIES.Item.create(ctx, { ...item });
  SEED_CUSTOMERS.forEach((c, i) => {
    ENTITIES.Customer.create(ctx, {
      DisplayName: c.DisplayName,
      GivenName: c.GivenName,
      FamilyName: c.FamilyName,
      CompanyName: c.DisplayName,
      PrimaryEmailAddr: { Address: c.Email },
      BillAddr: {
        Id: String(i + 2),
        Line1: `${100 + i * 11} Main Street`,
        City: c.City,
        CountrySubDivisionCode: 'CA',
        PostalCode: c.Zip,
      },
    });
  });
}
