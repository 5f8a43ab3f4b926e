export * from './errors'
export * from './methods'
export type { Api, Client } from './dispatch'
export * from './bridge'
