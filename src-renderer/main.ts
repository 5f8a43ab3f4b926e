// Renderer entry: the Bridge (Electron preload or HTTP), i18n, and the root.
import { createApp } from 'vue'
import { createBridge } from './api'
import { createGuichetI18n } from './i18n'
import { BRIDGE } from './injection'
import Root from './Root.vue'
import './styles/main.css'

const app = createApp(Root)
app.use(createGuichetI18n('fr'))
app.provide(BRIDGE, createBridge())
app.mount('#app')
