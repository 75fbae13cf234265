/** Item (quickbooks.md §2): Name required, at most 100 characters, unique; Type; Active. Items are never deleted. */
import { errors, faults } from '../errors';
import { asBoolean, asString, clone, type JsonObject } from '../json';
import { defineEntity, requireUniqueName, type OpContext } from './common';

const MAX_NAME = 100;
const TYPES = new Set([
  'Service',
  'NonInventory',
  'Inventory',
  'Group',
  'Category',
  'Discount',
  'Payment',
  'Subtotal',
  'Tax',
  'Other Charge',
]);

/** Item properties from Intuit's Finance.xsd. */
// prettier-ignore
const FIELDS = [
  'Name', 'Sku', 'Description', 'Active', 'SubItem', 'ParentRef', 'Taxable', 'SalesTaxIncluded', 'PercentBased',
  'UnitPrice', 'RatePercent', 'Type', 'PaymentMethodRef', 'UOMSetRef', 'IncomeAccountRef', 'PurchaseDesc',
  'PurchaseTaxIncluded', 'PurchaseCost', 'ExpenseAccountRef', 'COGSAccountRef', 'AssetAccountRef', 'PrefVendorRef',
  'TrackQtyOnHand', 'QtyOnHand', 'ReorderPoint', 'ManPartNum', 'DepositToAccountRef', 'SalesTaxCodeRef',
  'PurchaseTaxCodeRef', 'InvStartDate', 'BuildPoint', 'PrintGroupedItems', 'SpecialItem', 'SpecialItemType',
  'ItemGroupDetail', 'ItemAssemblyDetail', 'AbatementRate', 'ReverseChargeRate', 'ServiceType', 'ItemCategoryType',
  'ItemEx', 'TaxClassificationRef', 'UQCDisplayText', 'UQCId', 'ClassRef', 'Source', 'DeferredRevenue',
];
const READ_ONLY = ['FullyQualifiedName', 'Level', 'QtyOnPurchaseOrder', 'QtyOnSalesOrder', 'AvgCost'];

function build(ctx: OpContext, input: JsonObject, previous: JsonObject | undefined): JsonObject {
  const name = asString(input.Name);
  if (name === undefined || name.trim() === '') throw errors.validation(faults.requiredParam('Name'));
  if (name.length > MAX_NAME) throw errors.validation(faults.stringLength('Name', MAX_NAME, name.length));
  const type = asString(input.Type) ?? 'Service';
  if (!TYPES.has(type)) throw errors.invalidProperty(`Type=${type}`, 'Type');
  requireUniqueName(ctx.realm, 'Item', 'Name', name, previous?.Id);
  return clone({
    Taxable: false,
    UnitPrice: 0,
    PurchaseCost: 0,
    TrackQtyOnHand: false,
    IncomeAccountRef: { value: '1', name: 'Services' },
    ...input,
    Name: name,
    FullyQualifiedName: name,
    Type: type,
    Active: asBoolean(input.Active) ?? true,
  });
}

export const item = defineEntity({
  name: 'Item',
  known: new Set(FIELDS),
  readOnly: new Set(READ_ONLY),
  build,
});
