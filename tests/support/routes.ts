import type { Express } from 'express'

/** One route an express app answers: `GET /issuers/:key/offers`. */
export type RouteName = `${string} ${string}`

interface RouterLayer {
  rawPath?: unknown
  route?: { path: unknown; methods: Record<string, boolean> }
  handle: { stack?: RouterLayer[] }
}

const joinPaths = (prefix: string, path: string) => `${prefix.replace(/\/$/, '')}${path === '/' ? '' : path}` || '/'

/** Every route of an app, nested routers included, as `METHOD path` (express 5 keeps each layer's path as `rawPath`). */
export function routesOf(app: Express): RouteName[] {
  const found = new Set<RouteName>()
  const walk = (stack: RouterLayer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) if (method !== '_all') found.add(`${method.toUpperCase()} ${joinPaths(prefix, String(layer.route.path))}`)
      } else if (layer.handle.stack) {
        walk(layer.handle.stack, typeof layer.rawPath === 'string' ? joinPaths(prefix, layer.rawPath) : prefix)
      }
    }
  }
  walk((app as unknown as { router: { stack: RouterLayer[] } }).router.stack, '')
  return [...found].sort()
}
