/**
 * The list prices the idle-cost benchmark turns its counts into dollars with: pay-as-you-go, US dollars, without
 * the monthly free grants (so the figures are what a subscription that used its grants elsewhere pays). Each
 * price names where it was read and when; the figures are REFERENCE.md's "Serverless facts" (review of
 * 2026-12-03). Check them against the pages before relying on them.
 */
export interface ListPrice {
  usd: number;
  per: string;
  source: string;
  readOn: string;
}

export const azureListPrices = {
  /** Flex Consumption, on demand: execution time at the instance memory. */
  flexOnDemandGbSecond: {
    usd: 0.000026,
    per: 'GB-s of instance memory while executions run (at least 1 s a period, then rounded up to 100 ms)',
    source: 'https://azure.microsoft.com/pricing/details/functions/ (billing rule: learn.microsoft.com/azure/azure-functions/flex-consumption-plan#billing)',
    readOn: '2026-12-03',
  },
  /** Flex Consumption, on demand: executions. */
  flexOnDemandExecution: {
    usd: 0.4 / 1_000_000,
    per: 'execution',
    source: 'https://azure.microsoft.com/pricing/details/functions/',
    readOn: '2026-12-03',
  },
  /** Azure Queue Storage: each operation (class 2; priced alike here for every queue operation). */
  queueOperation: {
    usd: 0.004 / 10_000,
    per: 'queue operation (storage transaction)',
    source: 'https://azure.microsoft.com/pricing/details/storage/queues/',
    readOn: '2026-12-03',
  },
} satisfies Record<string, ListPrice>;

/** The instance memory the Bicep gives the Function App (infra/main.bicep: instanceMemoryMB 2048). */
export const instanceMemoryGb = 2;

export const hoursPerMonth = 730;
