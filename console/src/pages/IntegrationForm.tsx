import {
  Alert,
  Breadcrumbs,
  Button,
  Checkbox,
  Fieldset,
  Group,
  Loader,
  MultiSelect,
  NativeSelect,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, api, ok, type CreateIntegration, type Integration } from '../api/client';
import { AccountFilterEditor } from '../components/AccountFilterEditor';
import { DESTINATION_LABELS, LINE_ITEM_TYPES, SORT_LABELS, SPLIT_LABELS } from '../components/labels';
import { usePicker } from '../components/pickers';
import { Link, navigate } from '../router';

/** One line of help under each setting (m3ter's Console labels above them). */
export const HELP = {
  name: 'A name for this configuration, shown in the list.',
  destination: 'The QuickBooks company type this integration sends to.',
  accountIds: 'Only bills of these accounts are sent; leave empty to send every account’s bills.',
  restrictedAccountIds: 'Bills of these accounts are never sent, even when listed in Account ids.',
  integrationDisabledNotificationUserIds:
    'These users get an e-mail when the integration is disabled after repeated failures.',
  onlySendBillOnApproval: 'Send a bill only once it is approved in m3ter.',
  useExternalMappingAccountCode:
    'Find the QuickBooks customer through the account’s external mapping instead of by name.',
  excludedLineItemTypes: 'Bill line items of these types are left off the invoice.',
  accountFilter: 'Only accounts matching this expression are sent, e.g. customFields.country == UK.',
  enforceExternalMappingsForConfig: 'Use only the external mappings linked to this integration.',
  excludedProductIds: 'Line items of these products are left off the invoice.',
  excludedAggregationIds: 'Line items of these aggregations are left off the invoice.',
  splitUsageLineItems: 'How usage charges become QuickBooks invoice lines.',
  quickBooksItemMapping: 'The QuickBooks item ids used for credit memo and debit memo lines.',
  sendZeroQuantityLineItems: 'Also send lines whose quantity and amount are zero.',
  allowBankTransferPayment: 'Let customers pay the invoice online by bank transfer (ACH).',
  allowCreditCardPayment: 'Let customers pay the invoice online by credit card.',
  bccInvoiceEmailAddress: 'Every invoice e-mail is blind-copied to this address.',
  accountManagerEmailCustomField:
    'The account custom field holding the account manager’s e-mail, copied on invoice e-mails.',
  sortLineItemsBy: 'The order of the lines on the invoice.',
} as const;

type Settings = Omit<CreateIntegration, 'enabled' | 'credentialId'>;

interface FormState {
  name: string;
  destination: Settings['destination'];
  accountIds: string[];
  restrictedAccountIds: string[];
  integrationDisabledNotificationUserIds: string[];
  onlySendBillOnApproval: boolean;
  useExternalMappingAccountCode: boolean;
  excludedLineItemTypes: Settings['excludedLineItemTypes'];
  accountFilter: string;
  enforceExternalMappingsForConfig: boolean;
  excludedProductIds: string[];
  excludedAggregationIds: string[];
  splitUsageLineItems: Settings['splitUsageLineItems'];
  creditMemoItem: string;
  debitMemoItem: string;
  sendZeroQuantityLineItems: boolean;
  allowBankTransferPayment: boolean;
  allowCreditCardPayment: boolean;
  bccInvoiceEmailAddress: string;
  accountManagerEmailCustomField: string;
  sortLineItemsBy: Settings['sortLineItemsBy'];
  autoDisableAfterConsecutiveFailures: number;
}

const EMPTY: FormState = {
  name: '',
  destination: 'QuickBooks',
  accountIds: [],
  restrictedAccountIds: [],
  integrationDisabledNotificationUserIds: [],
  onlySendBillOnApproval: false,
  useExternalMappingAccountCode: false,
  excludedLineItemTypes: [],
  accountFilter: '',
  enforceExternalMappingsForConfig: false,
  excludedProductIds: [],
  excludedAggregationIds: [],
  splitUsageLineItems: 'ITEM_PER_AGGREGATION',
  creditMemoItem: '',
  debitMemoItem: '',
  sendZeroQuantityLineItems: false,
  allowBankTransferPayment: false,
  allowCreditCardPayment: false,
  bccInvoiceEmailAddress: '',
  accountManagerEmailCustomField: '',
  sortLineItemsBy: 'NONE',
  autoDisableAfterConsecutiveFailures: 5,
};

function fromIntegration(i: Integration): FormState {
  return {
    name: i.name,
    destination: i.destination,
    accountIds: i.accountIds,
    restrictedAccountIds: i.restrictedAccountIds,
    integrationDisabledNotificationUserIds: i.integrationDisabledNotificationUserIds,
    onlySendBillOnApproval: i.onlySendBillOnApproval,
    useExternalMappingAccountCode: i.useExternalMappingAccountCode,
    excludedLineItemTypes: i.excludedLineItemTypes,
    accountFilter: i.accountFilter ?? '',
    enforceExternalMappingsForConfig: i.enforceExternalMappingsForConfig,
    excludedProductIds: i.excludedProductIds,
    excludedAggregationIds: i.excludedAggregationIds,
    splitUsageLineItems: i.splitUsageLineItems,
    creditMemoItem: i.quickBooksItemMapping.CREDIT_MEMO ?? '',
    debitMemoItem: i.quickBooksItemMapping.DEBIT_MEMO ?? '',
    sendZeroQuantityLineItems: i.sendZeroQuantityLineItems,
    allowBankTransferPayment: i.allowBankTransferPayment,
    allowCreditCardPayment: i.allowCreditCardPayment,
    bccInvoiceEmailAddress: i.bccInvoiceEmailAddress ?? '',
    accountManagerEmailCustomField: i.accountManagerEmailCustomField ?? '',
    sortLineItemsBy: i.sortLineItemsBy,
    autoDisableAfterConsecutiveFailures: i.autoDisableAfterConsecutiveFailures,
  };
}

const orNull = (v: string) => (v.trim() === '' ? null : v.trim());

function toSettings(f: FormState): Settings {
  return {
    name: f.name,
    destination: f.destination,
    entityType: 'Bill',
    accountIds: f.accountIds,
    restrictedAccountIds: f.restrictedAccountIds,
    integrationDisabledNotificationUserIds: f.integrationDisabledNotificationUserIds,
    onlySendBillOnApproval: f.onlySendBillOnApproval,
    useExternalMappingAccountCode: f.useExternalMappingAccountCode,
    excludedLineItemTypes: f.excludedLineItemTypes,
    accountFilter: orNull(f.accountFilter),
    enforceExternalMappingsForConfig: f.enforceExternalMappingsForConfig,
    excludedProductIds: f.excludedProductIds,
    excludedAggregationIds: f.excludedAggregationIds,
    splitUsageLineItems: f.splitUsageLineItems,
    quickBooksItemMapping: {
      ...(orNull(f.creditMemoItem) ? { CREDIT_MEMO: orNull(f.creditMemoItem) } : {}),
      ...(orNull(f.debitMemoItem) ? { DEBIT_MEMO: orNull(f.debitMemoItem) } : {}),
    },
    sendZeroQuantityLineItems: f.sendZeroQuantityLineItems,
    allowBankTransferPayment: f.allowBankTransferPayment,
    allowCreditCardPayment: f.allowCreditCardPayment,
    bccInvoiceEmailAddress: orNull(f.bccInvoiceEmailAddress),
    accountManagerEmailCustomField: orNull(f.accountManagerEmailCustomField),
    sortLineItemsBy: f.sortLineItemsBy,
    autoDisableAfterConsecutiveFailures: f.autoDisableAfterConsecutiveFailures,
  };
}

/** Create (no id) or edit an integration, in m3ter's three panels. */
export function IntegrationForm({ id }: { id?: string }) {
  const existing = useQuery({
    queryKey: ['integrations', id],
    enabled: id !== undefined,
    queryFn: async () => ok(await api.GET('/integrations/{id}', { params: { path: { id: id ?? '' } } })),
  });
  if (id !== undefined && existing.isPending) return <Loader aria-label="Loading the integration" />;
  if (id !== undefined && existing.error)
    return (
      <Alert color="red" role="alert">
        The integration could not be read: {existing.error.message}
      </Alert>
    );
  return <Form key={id ?? 'new'} existing={existing.data} />;
}

function Form({ existing }: { existing?: Integration }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState<FormState>(existing ? fromIntegration(existing) : EMPTY);
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const accounts = usePicker('accounts', [...form.accountIds, ...form.restrictedAccountIds]);
  const users = usePicker('users', form.integrationDisabledNotificationUserIds);
  const products = usePicker('products', form.excludedProductIds);
  const aggregations = usePicker('aggregations', form.excludedAggregationIds);

  const save = useMutation({
    mutationFn: async (f: FormState) => {
      const settings = toSettings(f);
      if (existing)
        return ok(
          await api.PUT('/integrations/{id}', {
            params: { path: { id: existing.id } },
            body: { ...settings, version: existing.version },
          }),
        );
      return ok(
        await api.POST('/integrations', { body: { ...settings, enabled: true, credentialId: null } }),
      );
    },
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ['integrations'] });
      navigate(existing ? `/integrations/${encodeURIComponent(saved.id)}` : '/');
    },
  });
  const apiError = save.error instanceof ApiError ? save.error : undefined;
  const fieldError = (field: string) => apiError?.issueFor(field);
  const NAMED = [
    ...Object.keys(HELP),
    'quickBooksItemMapping.CREDIT_MEMO',
    'quickBooksItemMapping.DEBIT_MEMO',
  ];
  const unplaced =
    apiError?.issues.filter((i) => !NAMED.some((n) => i.field === n || i.field.startsWith(`${n}.`))) ?? [];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(form);
  };
  const check = (key: keyof typeof HELP & keyof FormState, label: string) => (
    <Checkbox
      label={label}
      description={HELP[key]}
      checked={form[key] as boolean}
      onChange={(e) => set(key, e.currentTarget.checked as never)}
      error={fieldError(key)}
    />
  );

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Breadcrumbs aria-label="Breadcrumb">
          <Text>Integrations</Text>
          <Text>QuickBooks</Text>
          <Link to="/">Configurations</Link>
          <Text fw={600}>{existing ? existing.name : 'Configure bill integration'}</Text>
        </Breadcrumbs>
        <Title order={2}>{existing ? `Edit ${existing.name}` : 'Configure bill integration'}</Title>

        <Panel title="Global configuration">
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <TextInput
              label="Name"
              description={HELP.name}
              value={form.name}
              onChange={(e) => set('name', e.currentTarget.value)}
              error={fieldError('name')}
            />
            <NativeSelect
              label="Destination"
              description={HELP.destination}
              value={form.destination}
              disabled={existing !== undefined && existing.credentialId !== null}
              onChange={(e) => set('destination', e.currentTarget.value as FormState['destination'])}
              data={Object.entries(DESTINATION_LABELS).map(([value, label]) => ({ value, label }))}
              error={fieldError('destination')}
            />
          </SimpleGrid>
          <MultiSelect
            label="Account ids"
            description={HELP.accountIds}
            data={accounts}
            value={form.accountIds}
            onChange={(v) => set('accountIds', v)}
            searchable
            clearable
            error={fieldError('accountIds')}
          />
          <MultiSelect
            label="Restricted account ids"
            description={HELP.restrictedAccountIds}
            data={accounts}
            value={form.restrictedAccountIds}
            onChange={(v) => set('restrictedAccountIds', v)}
            searchable
            clearable
            error={fieldError('restrictedAccountIds')}
          />
          <MultiSelect
            label="Integration disabled notification users"
            description={HELP.integrationDisabledNotificationUserIds}
            data={users}
            value={form.integrationDisabledNotificationUserIds}
            onChange={(v) => set('integrationDisabledNotificationUserIds', v)}
            searchable
            clearable
            error={fieldError('integrationDisabledNotificationUserIds')}
          />
        </Panel>

        <Panel title="Entity configuration">
          {check('onlySendBillOnApproval', 'Only send bill on approval')}
          {check('useExternalMappingAccountCode', 'Use external mapping account code')}
          <MultiSelect
            label="Excluded line item types"
            description={HELP.excludedLineItemTypes}
            data={LINE_ITEM_TYPES}
            value={form.excludedLineItemTypes}
            onChange={(v) => set('excludedLineItemTypes', v as FormState['excludedLineItemTypes'])}
            searchable
            clearable
            error={fieldError('excludedLineItemTypes')}
          />
          <AccountFilterEditor
            value={form.accountFilter}
            onChange={(v) => set('accountFilter', v)}
            serverError={fieldError('accountFilter')}
            accounts={accounts}
            description={HELP.accountFilter}
          />
          {check('enforceExternalMappingsForConfig', 'Enforce external mappings for config')}
          <MultiSelect
            label="Excluded products"
            description={HELP.excludedProductIds}
            data={products}
            value={form.excludedProductIds}
            onChange={(v) => set('excludedProductIds', v)}
            searchable
            clearable
            error={fieldError('excludedProductIds')}
          />
          <MultiSelect
            label="Excluded aggregations"
            description={HELP.excludedAggregationIds}
            data={aggregations}
            value={form.excludedAggregationIds}
            onChange={(v) => set('excludedAggregationIds', v)}
            searchable
            clearable
            error={fieldError('excludedAggregationIds')}
          />
        </Panel>

        <Panel title="External system configuration">
          <NativeSelect
            label="Split usage line items"
            description={HELP.splitUsageLineItems}
            value={form.splitUsageLineItems}
            onChange={(e) =>
              set('splitUsageLineItems', e.currentTarget.value as FormState['splitUsageLineItems'])
            }
            data={Object.entries(SPLIT_LABELS).map(([value, label]) => ({ value, label }))}
            error={fieldError('splitUsageLineItems')}
          />
          <Fieldset legend="Quick books item mapping" variant="unstyled">
            <Text size="xs" c="dimmed" mb="xs">
              {HELP.quickBooksItemMapping}
            </Text>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput
                label="CREDIT_MEMO"
                placeholder="QuickBooks item id"
                value={form.creditMemoItem}
                onChange={(e) => set('creditMemoItem', e.currentTarget.value)}
                error={fieldError('quickBooksItemMapping.CREDIT_MEMO')}
              />
              <TextInput
                label="DEBIT_MEMO"
                placeholder="QuickBooks item id"
                value={form.debitMemoItem}
                onChange={(e) => set('debitMemoItem', e.currentTarget.value)}
                error={fieldError('quickBooksItemMapping.DEBIT_MEMO')}
              />
            </SimpleGrid>
          </Fieldset>
          {check('sendZeroQuantityLineItems', 'Send zero quantity line items')}
          {check('allowBankTransferPayment', 'Allow bank transfer payment')}
          {check('allowCreditCardPayment', 'Allow credit card payment')}
          <TextInput
            label="Bcc invoice email address"
            description={HELP.bccInvoiceEmailAddress}
            type="email"
            value={form.bccInvoiceEmailAddress}
            onChange={(e) => set('bccInvoiceEmailAddress', e.currentTarget.value)}
            error={fieldError('bccInvoiceEmailAddress')}
          />
          <TextInput
            label="Account manager email custom field"
            description={HELP.accountManagerEmailCustomField}
            value={form.accountManagerEmailCustomField}
            onChange={(e) => set('accountManagerEmailCustomField', e.currentTarget.value)}
            error={fieldError('accountManagerEmailCustomField')}
          />
          <NativeSelect
            label="Sort line items by"
            description={HELP.sortLineItemsBy}
            value={form.sortLineItemsBy}
            onChange={(e) => set('sortLineItemsBy', e.currentTarget.value as FormState['sortLineItemsBy'])}
            data={Object.entries(SORT_LABELS).map(([value, label]) => ({ value, label }))}
            error={fieldError('sortLineItemsBy')}
          />
        </Panel>

        {save.error && (
          <Alert color="red" role="alert" title="Not saved">
            {save.error.message}
            {unplaced.map((i) => (
              <Text key={`${i.field}:${i.message}`} size="sm">
                {i.field}: {i.message}
              </Text>
            ))}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={save.isPending}>
            {existing ? 'Save changes' : 'Create integration'}
          </Button>
          <Button
            variant="default"
            onClick={() => navigate(existing ? `/integrations/${encodeURIComponent(existing.id)}` : '/')}
          >
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function Panel({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper withBorder p="md" component="section" aria-label={title}>
      <Stack>
        <Title order={3} size="h4">
          {title}
        </Title>
        {children}
      </Stack>
    </Paper>
  );
}
