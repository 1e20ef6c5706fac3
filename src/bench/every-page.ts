/** How both baselines (fetch-only and naive) walk BB2: every page of every beneficiary, in turn. */
import { nextLink, type FhirClient, type FhirPage, type FhirResourceType } from '../bluebutton/fhir-reads.ts';

const RESOURCE_TYPES: FhirResourceType[] = ['Patient', 'Coverage', 'ExplanationOfBenefit'];

/**
 * Walks every token's Patient, Coverage and EOB pages, following `next` links, `concurrency`
 * tokens at a time; each page is handed to `onPage` (and awaited) before the next is fetched.
 */
export async function forEveryPage(
  fhir: FhirClient,
  tokens: readonly string[],
  concurrency: number,
  onPage: (type: FhirResourceType, page: FhirPage) => void | Promise<void>,
): Promise<void> {
  let cursor = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (cursor < tokens.length) {
        const token = tokens[cursor++]!;
        for (const type of RESOURCE_TYPES) {
          let url: string | undefined = fhir.searchUrl(type);
          while (url) {
            const page = await fhir.getPage(url, token);
            await onPage(type, page);
            url = nextLink(page.bundle);
          }
        }
      }
    }),
  );
}
