// The web host's door, as a browser goes through it: GET the printed launch URL,
// keep the cookie of the 303 answer. Tests and the bench use it to get in.

import { request } from 'node:http'

export interface DoorAnswer {
  status: number
  location: string | undefined
  /** The whole Set-Cookie line, attributes included. */
  setCookie: string | undefined
  /** `name=value`, ready for a `Cookie` header. */
  cookie: string | undefined
}

/** One GET of `url` (no cookie); what the door answered. */
export function knock(url: string, headers: Record<string, string> = {}): Promise<DoorAnswer> {
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        headers,
        agent: false,
      },
      (res) => {
        res.resume()
        res.on('end', () => {
          const setCookie = res.headers['set-cookie']?.[0]
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location,
            setCookie,
            cookie: setCookie?.split(';')[0],
          })
        })
      },
    )
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${u.origin}`)))
    req.on('error', reject)
    req.end()
  })
}

/** Goes through the door with `launchUrl`; the `Cookie` header value, or throws. */
export async function enterDoor(launchUrl: string): Promise<string> {
  const a = await knock(launchUrl)
  if (a.status !== 303 || !a.cookie) throw new Error(`the door refused ${launchUrl}: ${a.status}`)
  return a.cookie
}
