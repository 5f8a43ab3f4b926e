// electron-builder: signed installers for IT (`npm run dist`, on a machine
// that can download the Electron binary). See docs/IT-desktop.md.
//
// Signing is electron-builder's own, driven by its documented variables:
//   Windows  CSC_LINK (or WIN_CSC_LINK) = the .pfx/.p12 file or base64,
//            CSC_KEY_PASSWORD (or WIN_CSC_KEY_PASSWORD)
//   macOS    CSC_LINK / CSC_KEY_PASSWORD (Developer ID Application), then
//            notarisation with APPLE_API_KEY, APPLE_API_KEY_ID, APPLE_API_ISSUER
//            (or APPLE_ID, APPLE_APP_SPECIFIC_PASSWORD, APPLE_TEAM_ID)
// An unsigned Windows or macOS build fails unless GUICHET_ALLOW_UNSIGNED=1.

import type { Configuration } from 'electron-builder'

/** The udev rule the .deb installs (see resources/linux/70-guichet-fido.rules). */
export const UDEV_RULE_SOURCE = 'resources/linux/70-guichet-fido.rules'
export const UDEV_RULE_TARGET = '/usr/lib/udev/rules.d/70-guichet-fido.rules'

const config: Configuration = {
  appId: 'fr.guichet.kiosk',
  productName: 'Guichet',
  copyright: 'Guichet',
  directories: { output: 'dist', buildResources: 'build' },
  // The electron-vite build only; production dependencies are added by
  // electron-builder itself (and rebuilt for Electron when they are native).
  files: ['out/**/*', 'package.json', '!**/*.map'],
  asar: true,
  // Native modules (sqlite3, node-hid, @node-rs/argon2) load from outside the archive.
  asarUnpack: ['**/*.node'],
  forceCodeSigning: process.env.GUICHET_ALLOW_UNSIGNED !== '1',
  // Flipped with @electron/fuses on the packaged binary, right before signing.
  electronFuses: {
    runAsNode: false,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    onlyLoadAppFromAsar: true,
    enableEmbeddedAsarIntegrityValidation: true,
    enableCookieEncryption: true,
    grantFileProtocolExtraPrivileges: false,
    loadBrowserProcessSpecificV8Snapshot: false,
    // Apple-silicon builds must be re-signed ad hoc after the binary changed.
    resetAdHocDarwinSignature: true,
  },
  linux: {
    target: ['deb', 'AppImage'],
    category: 'Office',
    executableName: 'guichet',
    maintainer: 'IT <it@guichet.invalid>',
    synopsis: 'Sign-in kiosk for shared office workstations',
    artifactName: '${name}-${version}-${arch}.${ext}',
    // AppImage users install the rule by hand from the unpacked resources.
    extraResources: [{ from: UDEV_RULE_SOURCE, to: 'linux/70-guichet-fido.rules' }],
  },
  deb: {
    // Installs the rule where udev reads packaged rules; udevd picks it up at
    // the next plug (docs/IT-desktop.md shows how to apply it at once).
    fpm: [`${UDEV_RULE_SOURCE}=${UDEV_RULE_TARGET}`],
    depends: [
      'libgtk-3-0',
      'libnotify4',
      'libnss3',
      'libxss1',
      'libxtst6',
      'xdg-utils',
      'libatspi2.0-0',
      'libuuid1',
      // The OS keychain safeStorage needs (GNOME Keyring / KWallet over Secret Service).
      'libsecret-1-0',
      'libusb-1.0-0',
      // fido_id, used by the udev rule, ships with systemd's udev >= 244.
      'udev (>= 244) | systemd (>= 244)',
    ],
  },
  win: {
    target: [{ target: 'nsis', arch: ['x64'] }],
    signtoolOptions: {
      signingHashAlgorithms: ['sha256'],
    },
  },
  nsis: {
    oneClick: false,
    perMachine: true,
    allowToChangeInstallationDirectory: false,
    createDesktopShortcut: false,
    artifactName: '${productName}-Setup-${version}.${ext}',
  },
  mac: {
    target: [{ target: 'dmg', arch: ['universal'] }],
    category: 'public.app-category.business',
    hardenedRuntime: true,
    gatekeeperAssess: false,
    entitlements: 'build/entitlements.mac.plist',
    entitlementsInherit: 'build/entitlements.mac.plist',
    // electron-builder's @electron/notarize hook, run after signing with the
    // APPLE_* variables above.
    notarize: true,
  },
  dmg: {
    sign: false, // the app inside is signed and notarised; Apple advises against signing the dmg
  },
}

export default config
