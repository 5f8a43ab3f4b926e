// Every error code of the contract reads as a sentence in both languages, with its
// parameters, and never as a code.

import { describe, expect, it } from 'vitest'
import { ERROR_CODES, type ErrorCode } from '../../../src-main/contract/errors'
import { createGuichetI18n } from '../../../src-renderer/i18n'
import { describeError } from '../../../src-renderer/state/errors'
import {
  formatClockTime,
  formatDuration,
  normalizeCode,
  normalizeRecoveryCode,
} from '../../../src-renderer/state/format'
import { LOCALES, messages } from './helpers'

describe.each(LOCALES)('error sentences (%s)', (locale) => {
  const i18n = createGuichetI18n(locale, messages)
  const t = (key: string, params?: Record<string, unknown>) =>
    params ? i18n.global.t(key, params) : i18n.global.t(key)
  const has = (key: string) => i18n.global.te(key)
  const text = messages[locale]

  it.each(ERROR_CODES)('%s has its own sentence', (code) => {
    const description = describeError({ code }, { t, has })
    expect(description.key).toBe(`errors.${code}`)
    const sentence = t(description.key, { wait: text.duration.unknown })
    expect(sentence).toBe(text.errors[code as ErrorCode].replace('{wait}', text.duration.unknown))
    expect(sentence).not.toContain(code)
    expect(sentence).toMatch(/[.!]$/)
  })

  it('adds the attempts left, the password rule and the field to check', () => {
    expect(
      describeError({ code: 'CODE_INVALID', params: { attemptsLeft: 2 } }, { t, has }).extras,
    ).toEqual([text.errorExtra.attemptsLeft.replace('{attemptsLeft}', '2')])
    expect(
      describeError({ code: 'PASSWORD_REJECTED', params: { reason: 'too-common' } }, { t, has })
        .extras,
    ).toEqual([text.passwordRejection['too-common']])
    expect(
      describeError({ code: 'VALIDATION', params: { field: 'deviceName' } }, { t, has }).extras,
    ).toEqual([text.errorExtra.field.replace('{field}', text.fields.deviceName)])
    expect(
      describeError({ code: 'VALIDATION', params: { field: 'other' } }, { t, has }).extras,
    ).toEqual([])
  })

  it('gives the app next step for app codes, and marks the waits', () => {
    expect(describeError({ code: 'CODE_EXPIRED' }, { t, has, source: 'app' }).key).toBe(
      'errorsApp.CODE_EXPIRED',
    )
    expect(describeError({ code: 'CODE_EXPIRED' }, { t, has, source: 'email' }).key).toBe(
      'errors.CODE_EXPIRED',
    )
    expect(describeError({ code: 'ACCOUNT_LOCKED' }, { t, has }).hasWait).toBe(true)
    expect(describeError({ code: 'CODE_QUOTA_EXCEEDED' }, { t, has }).hasWait).toBe(true)
    expect(describeError({ code: 'CODE_INVALID' }, { t, has }).hasWait).toBe(false)
  })

  it('gives a key error the next step of where it happened', () => {
    expect(describeError({ code: 'FIDO_PIN_NOT_SET' }, { t, has, context: 'register' }).key).toBe(
      'errorsKey.register.FIDO_PIN_NOT_SET',
    )
    expect(
      describeError({ code: 'FIDO_PIN_NOT_SET' }, { t, has, context: 'passwordless' }).key,
    ).toBe('errors.FIDO_PIN_NOT_SET')
    expect(
      describeError({ code: 'FIDO_NO_CREDENTIALS' }, { t, has, context: 'passwordless' }).key,
    ).toBe('errorsKey.passwordless.FIDO_NO_CREDENTIALS')
    expect(
      describeError({ code: 'FIDO_KEY_REFUSED' }, { t, has, context: 'passwordless' }).key,
    ).toBe('errorsKey.passwordless.FIDO_KEY_REFUSED')
    expect(describeError({ code: 'KEY_NOT_FOUND' }, { t, has, context: 'keySignIn' }).key).toBe(
      'errorsKey.keySignIn.KEY_NOT_FOUND',
    )
    expect(describeError({ code: 'KEY_NOT_FOUND' }, { t, has }).key).toBe('errors.KEY_NOT_FOUND')
    // The key context wins over the code source; codes without a key variant keep theirs.
    expect(
      describeError({ code: 'CODE_INVALID' }, { t, has, source: 'app', context: 'keySignIn' }).key,
    ).toBe('errorsApp.CODE_INVALID')
  })

  it('warns before a key PIN blocks, and names the key field to check', () => {
    const left = (n: number) => text.errorExtra.attemptsLeft.replace('{attemptsLeft}', String(n))
    expect(
      describeError({ code: 'FIDO_PIN_INVALID', params: { attemptsLeft: 7 } }, { t, has }).extras,
    ).toEqual([left(7)])
    expect(
      describeError({ code: 'FIDO_PIN_INVALID', params: { attemptsLeft: 3 } }, { t, has }).extras,
    ).toEqual([left(3), text.errorExtra.pinLastAttempts])
    expect(
      describeError(
        { code: 'VALIDATION', params: { field: 'name' } },
        { t, has, context: 'register' },
      ).extras,
    ).toEqual([text.errorExtra.field.replace('{field}', text.fields.keyName)])
    expect(
      describeError({ code: 'VALIDATION', params: { field: 'pin' } }, { t, has }).extras,
    ).toEqual([text.errorExtra.field.replace('{field}', text.fields.pin)])
  })

  it('gives the account screens their own sentence where the same code means more', () => {
    expect(
      describeError({ code: 'INVALID_CREDENTIALS' }, { t, has, context: 'changePassword' }).key,
    ).toBe('errorsAt.changePassword.INVALID_CREDENTIALS')
    expect(
      describeError({ code: 'INVALID_CREDENTIALS' }, { t, has, context: 'choosePassword' }).key,
    ).toBe('errorsAt.choosePassword.INVALID_CREDENTIALS')
    expect(
      describeError({ code: 'CODE_EXPIRED' }, { t, has, source: 'email', context: 'addressChange' })
        .key,
    ).toBe('errorsAt.addressChange.CODE_EXPIRED')
    expect(describeError({ code: 'KEY_NOT_FOUND' }, { t, has, context: 'stepUp' }).key).toBe(
      'errorsKey.stepUp.KEY_NOT_FOUND',
    )
    // Codes without a variant there keep the general sentence.
    expect(describeError({ code: 'EMAIL_TAKEN' }, { t, has, context: 'addressChange' }).key).toBe(
      'errors.EMAIL_TAKEN',
    )
    expect(
      describeError(
        { code: 'VALIDATION', params: { field: 'email' } },
        { t, has, context: 'addressChange' },
      ).extras,
    ).toEqual([text.errorExtra.field.replace('{field}', text.fields.newEmail)])
    expect(
      describeError({ code: 'VALIDATION', params: { field: 'next' } }, { t, has }).extras,
    ).toEqual([text.errorExtra.field.replace('{field}', text.fields.next)])
  })

  it('reads an unknown code (a newer main process) as the generic sentence', () => {
    const description = describeError({ code: 'SOMETHING_NEW' as ErrorCode }, { t, has })
    expect(description.key).toBe('errors.INTERNAL')
  })

  it('formats waits and times', () => {
    expect(formatDuration(t, 270)).toBe(
      text.duration.minutes.replace('{min}', '4').replace('{sec}', '30'),
    )
    expect(formatDuration(t, 9.2)).toBe(text.duration.seconds.replace('{sec}', '10'))
    expect(formatDuration(t, -3)).toBe(text.duration.seconds.replace('{sec}', '0'))
    const at = new Date(2024, 8, 18, 9, 5).getTime()
    expect(formatClockTime(t, at)).toBe(locale === 'fr' ? '9\u00a0h\u00a005' : '9:05')
  })
})

describe('recovery code normalisation', () => {
  it('accepts any case, dashes and spaces anywhere, and writes the groups', () => {
    expect(normalizeRecoveryCode('k7m3wxyz39abqrst')).toBe('K7M3-WXYZ-39AB-QRST')
    expect(normalizeRecoveryCode(' K7M3 - wxyz 39AB-qrst ')).toBe('K7M3-WXYZ-39AB-QRST')
    expect(normalizeRecoveryCode('K7M3-WXYZ-39AB')).toBeNull()
    expect(normalizeRecoveryCode('K7M3-WXYZ-39AB-QRST-')).toBe('K7M3-WXYZ-39AB-QRST')
    expect(normalizeRecoveryCode('K7M3-WXYZ-39AB-QRS!')).toBeNull()
    expect(normalizeRecoveryCode('')).toBeNull()
  })
})

describe('code normalisation', () => {
  it('keeps six digits at most and strips everything else', () => {
    expect(normalizeCode(' 123 456 ')).toBe('123456')
    expect(normalizeCode('123-456')).toBe('123456')
    expect(normalizeCode('12a34b')).toBe('1234')
    expect(normalizeCode('1234567')).toBe('123456')
  })
})
