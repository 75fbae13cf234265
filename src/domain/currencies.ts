/**
 * ISO 4217 currency codes in use (2026), the currencies QuickBooks Online can hold. m3ter lets an
 * organization define its own currency codes (credits, tokens); such a bill cannot become a QuickBooks
 * document, and the sync says so instead of guessing.
 */
const ISO_4217 = new Set(
  (
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD ' +
    'CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD ' +
    'GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT ' +
    'LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR ' +
    'NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP ' +
    'STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG ' +
    'XOF XPF YER ZAR ZMW ZWG ' +
    // ISO 4217 fund codes (accounting units some companies invoice in)
    'BOV CHE CHW CLF COU MXV USN UYI UYW XDR XSU XUA'
  ).split(' '),
);

/** Whether `code` (any case) is an ISO 4217 currency. */
export function isIsoCurrency(code: string): boolean {
  return ISO_4217.has(code.trim().toUpperCase());
}
