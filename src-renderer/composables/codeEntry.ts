/** The code entry: the six digits typed, their error, the e-mailed code's life. */

import { computed, ref, watch } from 'vue'
import { useI18n } from '../i18n'
import type { ContractError, Result } from '../../src-main/contract/errors'
import type { SessionView } from '../../src-main/contract/methods'
import { useNow } from '../injection'

/**
 * What a screen does with the code entry (components/CodeEntry.vue): the engine
 * calls of its flow, and where the entry leads once the clerk is through or
 * leaves. `context` picks the hints (`code.*` or `stepUp.*`), the error
 * sentences and the way out (« Retour » for the sign-in, « Annuler » for the
 * step-up).
 */
export interface CodeEntryFlow {
  context: 'keySignIn' | 'stepUp'
  /** The six digits typed; null when the screen took care of the answer itself. */
  verify: (code: string) => Promise<Result<SessionView> | null>
  /** The key's call (touch, then with the key's PIN when it asks for it). */
  withKey: (input: { pin?: string }) => Promise<Result<SessionView>>
  /** « Renvoyer un code »: a new code by e-mail; the error to show, if any. */
  resend: () => Promise<ContractError | null>
  /** The code or the key was accepted. */
  done: (session: SessionView) => void
  /** « Retour », « Annuler » or Escape. */
  leave: () => void
}

/**
 * How long an e-mailed code has left (`expiresAt`), in whole seconds by the
 * shared clock (null when it does not expire: an app's code, a key), whether it
 * has expired, and what the live region says: only when it matters (one minute
 * left, then `expiredKey`'s sentence), never every second.
 */
export function useCodeCountdown(expiresAt: () => number | null, expiredKey = 'code.expired') {
  const now = useNow()
  const { t } = useI18n()
  // The shared clock ticks each second: when a code arrives it can be up to a
  // second behind, and a fresh 10-minute code would start at « 10 min 1 s ».
  // The time a code arrived is its countdown's first reading.
  const arrivedAt = ref(0)
  watch(expiresAt, () => (arrivedAt.value = Date.now()), { immediate: true })
  const remainingSeconds = computed(() => {
    const end = expiresAt()
    return end === null ? null : Math.ceil((end - Math.max(now.value, arrivedAt.value)) / 1000)
  })
  const expired = computed(() => remainingSeconds.value !== null && remainingSeconds.value <= 0)
  const announcement = computed(() => {
    const left = remainingSeconds.value
    if (left === null) return ''
    if (left <= 0) return t(expiredKey)
    if (left <= 60) return t('code.expiresSoon')
    return ''
  })
  return { remainingSeconds, expired, announcement }
}

/**
 * An answer that says the code expired, once the countdown says it too: the
 * warning already says so, so the error is not shown a second time.
 */
export function withoutExpiry(error: ContractError | null, expired: boolean): ContractError | null {
  return expired && error?.code === 'CODE_EXPIRED' ? null : error
}

/**
 * The code typed and what is wrong with it: `error` is the engine's answer,
 * `localError` a code that is not six digits (the engine is not asked). `check`
 * clears both and says whether the code can be sent.
 */
export function useCodeInput() {
  const code = ref('')
  const error = ref<ContractError | null>(null)
  const localError = ref(false)

  function clear(): void {
    error.value = null
    localError.value = false
  }

  function check(): boolean {
    clear()
    localError.value = code.value.length !== 6
    return !localError.value
  }

  return { code, error, localError, clear, check }
}
