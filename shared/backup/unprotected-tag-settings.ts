/**
 * Which tag the tagger manages, apart from the code that finds or creates it, so configuration
 * can name it without importing a use case.
 */

/** The tag and category the bridge creates (defaults from the guide). */
export interface UnprotectedTagSettings {
  readonly tagName: string;
  readonly tagDescription: string;
  readonly tagColor: string;
  readonly categoryName: string;
  readonly categoryDescription: string;
  /** An existing category to create the tag in, instead of creating `categoryName`. */
  readonly categoryId?: number | undefined;
}

/** The guide's names, description and colour. */
export const DEFAULT_UNPROTECTED_TAG = {
  tagName: 'Unprotected',
  tagDescription: 'Data store is not currently-protected within remote system',
  tagColor: '#e3d9ff',
  categoryName: 'Remote System',
  categoryDescription: 'External tags defined in remote system',
} as const satisfies UnprotectedTagSettings;
