/**
 * Preload (sandboxed, bundled as CommonJS to out/preload/preload.cjs): exposes
 * the contract's functions as `window.guichet`, and nothing else.
 */

import { contextBridge, ipcRenderer } from 'electron'

import { createBridge } from './shell/preload-bridge'

contextBridge.exposeInMainWorld('guichet', createBridge(ipcRenderer))
