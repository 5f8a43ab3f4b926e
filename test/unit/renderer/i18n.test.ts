// Both languages have the same keys and the same placeholders, every error code
// has a sentence, and every message compiles and renders without leftovers.

import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { defineComponent, h, nextTick } from 'vue'
import { createGuichetI18n, Translation, useI18n } from '../../../src-renderer/i18n'
import type { MessageSchema } from '../../../src-renderer/i18n/fr'

// The list of codes is the contract's; the renderer may only import its types, the
// test may import the values.
import { ERROR_CODES, PASSWORD_REJECTIONS } from '../../../src-main/contract/errors'
import { messages } from './helpers'

type Tree = { [key: string]: string | Tree }

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (typeof value === 'string') out.set(path, value)
    else for (const [inner, text] of leaves(value, path)) out.set(inner, text)
  }
  return out
}

function placeholders(message: string): string[] {
  return [...message.matchAll(/\{\s*(\w+)\s*\}/g)].map((match) => match[1]!).sort()
}

const fr = leaves(messages.fr as unknown as Tree)
const en = leaves(messages.en as unknown as Tree)

describe('message files', () => {
  it('have the same keys in French and English', () => {
    expect([...en.keys()].sort()).toEqual([...fr.keys()].sort())
    expect(fr.size).toBeGreaterThan(100)
  })

  it('have the same placeholders for every key', () => {
    for (const [key, text] of fr) {
      expect(placeholders(en.get(key) ?? ''), key).toEqual(placeholders(text))
    }
  })

  it('use no reserved character as plain text (linked messages, plurals)', () => {
    for (const [key, text] of [...fr, ...en]) {
      expect(text, key).not.toMatch(/[@|]/)
      expect(text.replace(/\{\s*\w+\s*\}/g, ''), key).not.toMatch(/[{}]/)
    }
  })

  it('have a sentence for every error code and every password rule, in both languages', () => {
    for (const code of ERROR_CODES) {
      expect(fr.get(`errors.${code}`), code).toBeTruthy()
      expect(en.get(`errors.${code}`), code).toBeTruthy()
    }
    for (const reason of PASSWORD_REJECTIONS) {
      expect(fr.get(`passwordRejection.${reason}`), reason).toBeTruthy()
      expect(en.get(`passwordRejection.${reason}`), reason).toBeTruthy()
    }
    expect([...fr.keys()].filter((key) => key.startsWith('errors.'))).toHaveLength(
      ERROR_CODES.length,
    )
  })

  it('never show an error code or a technical word in a sentence', () => {
    for (const code of ERROR_CODES) {
      for (const text of [fr.get(`errors.${code}`)!, en.get(`errors.${code}`)!]) {
        expect(text).not.toContain(code)
        expect(text).not.toMatch(/error|erreur \d|exception|stack|undefined|null/i)
      }
    }
  })

  it('render every message in both languages with its placeholders filled', () => {
    const i18n = createGuichetI18n('fr', messages)
    for (const locale of ['fr', 'en'] as const) {
      i18n.global.locale.value = locale
      for (const [key, text] of locale === 'fr' ? fr : en) {
        const params = Object.fromEntries(placeholders(text).map((name) => [name, `<${name}>`]))
        const rendered = i18n.global.t(key, params)
        expect(rendered, key).not.toBe(key)
        expect(rendered, key).not.toMatch(/[{}]/)
        for (const name of placeholders(text)) expect(rendered, key).toContain(`<${name}>`)
      }
    }
  })

  it('keep DESIGN.md labels to the letter in French', () => {
    expect(messages.fr.signIn.email).toBe('Adresse de connexion')
    expect(messages.fr.signIn.password).toBe('Mot de passe')
    expect(messages.fr.signIn.submit).toBe('Se connecter')
    expect(messages.fr.code.title).toBe('Saisissez votre code')
    expect(messages.fr.code.label).toBe('Code d’authentification')
    expect(messages.fr.code.submit).toBe('Valider')
    expect(messages.fr.code.resend).toBe('Renvoyer un code')
    expect(messages.fr.home.account).toBe('Mon compte')
    expect(messages.fr.home.factors).toBe('Mes facteurs d’authentification')
    expect(messages.fr.home.changeAddress).toBe('Changer mon adresse de connexion')
    expect(messages.fr.home.signOut).toBe('Se déconnecter')
    expect(messages.fr.factors.section).toBe('Paramètres de connexion')
    expect(messages.fr.factors.addApp).toBe('Ajouter une application')
    expect(messages.fr.addApp.step2).toBe('Ouvrez l’application et scannez le QR ou entrez la clé.')
    expect(messages.fr.addApp.code).toBe('Code unique')
    expect(messages.fr.addApp.deviceName).toBe('Nom de l’appareil')
    expect(messages.fr.addApp.submit).toBe('Ajouter l’application')
    expect(messages.fr.addApp.qrAlt).toBe('QR code à scanner')
  })

  it('keep the security-key labels to the letter in French', () => {
    expect(messages.fr.factors.addKey).toBe('Ajouter une clé de sécurité')
    expect(messages.fr.enroll.addKey).toBe('Ajouter une clé de sécurité')
    expect(messages.fr.addKey.title).toBe('Ajouter une clé de sécurité')
    expect(messages.fr.addKey.name).toBe('Nom de la clé')
    expect(messages.fr.addKey.pin).toBe('Code PIN de la clé')
    expect(messages.fr.addKey.pinHint).toContain('nécessaire pour vous connecter sans mot de passe')
    expect(messages.fr.key.pin).toBe('Code PIN de la clé')
    expect(messages.fr.key.submit).toBe('Valider')
    expect(messages.fr.common.cancel).toBe('Annuler')
    expect(messages.fr.key.waitingDevice).toBe('Branchez votre clé de sécurité')
    expect(messages.fr.key.touch).toBe('Touchez votre clé de sécurité')
    expect(messages.fr.key.processing).toBe('Vérification…')
    expect(messages.fr.keyAdded.text).toBe('Votre clé de sécurité est enregistrée.')
    expect(messages.fr.code.useKey).toBe('Utiliser ma clé de sécurité')
    expect(messages.fr.signIn.withKey).toBe('Se connecter avec ma clé de sécurité')
    expect(messages.fr.passwordless.title).toBe('Se connecter avec ma clé de sécurité')
    expect(messages.fr.factors.removeKey).toBe('Supprimer')
  })

  it('keep the account-lifecycle labels to the letter in French', () => {
    const fr = messages.fr
    expect(fr.code.useRecovery).toBe('Utiliser un code de secours')
    expect(fr.code.recoveryLabel).toBe('Code de secours')
    expect(fr.factors.newRecovery).toBe('Générer de nouveaux codes de secours')
    expect(fr.factors.recoveryLeft).toBe('Codes de secours restants\u202f: {left}')
    expect(fr.recoveryCodes.title).toBe('Vos codes de secours')
    expect(fr.recoveryCodes.showAgain).toBe('Afficher à nouveau')
    expect(fr.account.changePassword).toBe('Changer mon mot de passe')
    expect(fr.password.changeTitle).toBe('Changer mon mot de passe')
    expect(fr.password.chooseTitle).toBe('Choisissez votre mot de passe')
    expect(fr.password.current).toBe('Mot de passe actuel')
    expect(fr.password.next).toBe('Nouveau mot de passe')
    expect(fr.password.confirm).toBe('Confirmation du nouveau mot de passe')
    expect(fr.changeAddress.title).toBe('Changer mon adresse de connexion')
    expect(fr.changeAddress.newEmail).toBe('Nouvelle adresse de connexion')
    expect(fr.changeAddress.send).toBe('Recevoir un code')
    expect(fr.changeAddress.code).toBe('Code reçu à la nouvelle adresse')
    expect(fr.changeAddress.submit).toBe('Valider')
    expect(fr.stepUp.title).toBe('Confirmez votre identité')
    expect(fr.home.checkText).toContain('«\u202fMes facteurs d’authentification\u202f»')
  })

  it('say what recovery codes are for and that they are shown once, never offering a download or a print', () => {
    for (const locale of ['fr', 'en'] as const) {
      const text = messages[locale].recoveryCodes
      expect(text.once).toMatch(/une fois|only once/)
      expect(text.copy).toMatch(/à la main|by hand/)
    }
    for (const [key, text] of [...fr, ...en]) {
      if (key === 'recoveryCodes.copy') continue
      expect(text, key).not.toMatch(/télécharg|imprim|download|print/i)
    }
  })

  it('never offer a factory reset of a key, in any message', () => {
    for (const [key, text] of [...fr, ...en]) {
      expect(text, key).not.toMatch(/réinitialis|remise à zéro|factory|reset/i)
    }
  })
})

describe('the i18n module (src-renderer/i18n)', () => {
  /** French whose sign-in title is `title` (French always comes from fr.ts: set it after). */
  const frWithTitle = (title: string): MessageSchema => ({
    ...messages.fr,
    signIn: { ...messages.fr.signIn, title },
  })

  it('fills every placeholder, spaces inside the braces allowed, and an absent value with nothing', () => {
    const i18n = createGuichetI18n('fr', messages)
    expect(i18n.global.t('factors.recoveryLeft', { left: 3 })).toBe(
      'Codes de secours restants\u202f: 3',
    )
    expect(i18n.global.t('factors.recoveryLeft')).toBe('Codes de secours restants\u202f: ')
    const composer = createGuichetI18n('fr').global
    composer.setLocaleMessage('fr', frWithTitle('{ a }-{b}-{a}'))
    expect(composer.t('signIn.title', { a: 1, b: '<b>' })).toBe('1-<b>-1')
  })

  it('shows the current language, re-rendering when it changes, and falls back to French, then to the key', async () => {
    const i18n = createGuichetI18n('fr', { en: messages.en })
    const Shown = defineComponent({
      setup() {
        const { t } = useI18n()
        return () => h('p', t('signIn.submit'))
      },
    })
    const wrapper = mount(Shown, { global: { plugins: [i18n] } })
    expect(wrapper.text()).toBe('Se connecter')
    i18n.global.locale.value = 'en'
    await nextTick()
    expect(wrapper.text()).toBe(messages.en.signIn.submit)
    const partial = { ...messages.en, signIn: {} } as unknown as MessageSchema
    i18n.global.setLocaleMessage('en', partial)
    await nextTick()
    expect(wrapper.text()).toBe('Se connecter')
    expect(i18n.global.te('signIn.submit')).toBe(false)
    expect(i18n.global.te('common.back')).toBe(true)
    expect(i18n.global.t('no.such.key')).toBe('no.such.key')
    expect(i18n.global.te('signIn')).toBe(false)
  })

  it('<Translation> fills a placeholder with its slot and the others with params', () => {
    const i18n = createGuichetI18n('fr')
    i18n.global.setLocaleMessage('fr', frWithTitle('Attendez {wait} puis {then}.'))
    const wrapper = mount(Translation, {
      props: { keypath: 'signIn.title', tag: 'span', params: { then: 'réessayez' } },
      slots: { wait: () => h('b', '3 min') },
      global: { plugins: [i18n] },
    })
    expect(wrapper.html()).toBe('<span>Attendez <b>3 min</b> puis réessayez.</span>')
  })
})
