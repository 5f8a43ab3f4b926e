/** Errors that belong to one field: shown under it, the form keeping a summary. */

import type { ContractError } from '../../src-main/contract/errors'
import { describeError, type DescribeOptions } from '../state/errors'

/**
 * The field an engine's VALIDATION answer names (the first part of its
 * `field` parameter), or null when the error is not about one field.
 */
export function validationField(error: ContractError | null): string | null {
  if (error?.code !== 'VALIDATION') return null
  const field = error.params?.field
  return typeof field === 'string' ? (field.split('.')[0] ?? null) : null
}

/** The example of « Saisissez une adresse complète, par exemple … » (the seed's town hall). */
export const ADDRESS_EXAMPLE = 'prenom.nom@mairie.fr'

/** A complete e-mail address as people type it: something, @, a domain with a dot. */
export function looksLikeAddress(value: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)
}

/**
 * An engine error as the one sentence shown under its field (the message and its
 * extras: the rule broken, the tries left). Not for errors with a live wait
 * (a lockout): those stay in the form's ErrorMessage.
 */
export function errorSentence(error: ContractError, options: DescribeOptions): string {
  const description = describeError(error, options)
  return [options.t(description.key), ...description.extras].join(' ')
}
