/**
 * The checkout's own data folder: where `npm run web` without a configuration
 * keeps its data (`.guichet/data`, inside the checkout, next to `src-main/`),
 * and where `npm run admin` without a configuration finds it.
 */

import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The checkout's root folder (this file is in src-main/). */
export const CHECKOUT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

export const NO_CONFIG_DATA_DIR = join(CHECKOUT_ROOT, '.guichet', 'data')
