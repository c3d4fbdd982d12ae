import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root: packages are read where the lab's own imports find them (hoisted in its node_modules). */
const REPOSITORY_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The directory of an installed package, as the lab's imports resolve it. */
export function installedPackageDirectory(packageName: string): string {
  const directory = join(REPOSITORY_ROOT, 'node_modules', ...packageName.split('/'))
  if (!existsSync(join(directory, 'package.json'))) throw new Error(`${packageName} is not installed in ${join(REPOSITORY_ROOT, 'node_modules')}`)
  return directory
}

export const installedVersion = (packageName: string): string => (JSON.parse(readFileSync(join(installedPackageDirectory(packageName), 'package.json'), 'utf8')) as { version: string }).version

/**
 * For each character of `source`, the brace depth at which it sits when it is code, or -1 inside a string, a
 * template literal's text, a comment or a regular expression literal (whose braces and quotes do not count).
 */
function codeDepths(source: string): Int32Array {
  const depths = new Int32Array(source.length).fill(-1)
  // a stack of brace depths at which a template literal's `${` was opened: its `}` returns to the template text
  const templates: number[] = []
  let depth = 0
  let lastCode = ''
  let index = 0
  const skipTemplateText = () => {
    while (index < source.length && source[index] !== '`') {
      if (source[index] === '\\') index += 2
      else if (source[index] === '$' && source[index + 1] === '{') {
        templates.push(depth)
        depth++
        index += 2
        return
      } else index++
    }
    index++ // the closing backquote
  }
  while (index < source.length) {
    const char = source[index]
    const next = source[index + 1]
    if (char === '/' && next === '/') {
      while (index < source.length && source[index] !== '\n') index++
    } else if (char === '/' && next === '*') {
      index = source.indexOf('*/', index + 2) + 2 || source.length
    } else if (char === '"' || char === "'") {
      index++
      while (index < source.length && source[index] !== char) index += source[index] === '\\' ? 2 : 1
      index++
      lastCode = char
    } else if (char === '`') {
      index++
      skipTemplateText()
      lastCode = '`'
    } else if (char === '/' && (lastCode === '' || '(,=:[!&|?{};+-*%<>~^'.includes(lastCode))) {
      // a regular expression literal: up to its unescaped closing slash, outside character classes
      let inClass = false
      index++
      while (index < source.length && (inClass || source[index] !== '/')) {
        if (source[index] === '\\') index++
        else if (source[index] === '[') inClass = true
        else if (source[index] === ']') inClass = false
        index++
      }
      index++
      lastCode = ')'
    } else {
      if (char === '}' && templates.length && templates[templates.length - 1] === depth - 1) {
        depth = templates.pop() as number
        index++
        skipTemplateText()
        lastCode = '`'
        continue
      }
      if (char === '}') depth--
      depths[index] = depth
      if (char === '{') depth++
      if (!/\s/.test(char)) lastCode = char
      index++
    }
  }
  return depths
}

/** The index of the bracket closing the one at `open` (a `{` or `(`), skipping strings, comments and regular expressions. */
function closingIndex(source: string, depths: Int32Array, open: number, pair: '{}' | '()'): number {
  let level = 0
  for (let index = open; index < source.length; index++) {
    if (depths[index] < 0) continue
    if (source[index] === pair[0]) level++
    else if (source[index] === pair[1] && --level === 0) return index
  }
  return -1
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * The exact source text of `className`'s method `member` (from its name, `async`/`static` included, to its closing
 * brace) in a built JavaScript file, or undefined when the class or the method is not there. Classes are found as
 * bundlers emit them: `class Name`, `let Name = class Name`, `var Name = class extends Base`.
 */
export function extractMethod(source: string, className: string, member: string): string | undefined {
  const depths = codeDepths(source)
  const classPattern = new RegExp(`(?:\\bclass\\s+${escapeRegExp(className)}\\b|\\b${escapeRegExp(className)}\\s*=\\s*class\\b)`, 'g')
  for (const classMatch of source.matchAll(classPattern)) {
    if (depths[classMatch.index] < 0) continue
    const bodyOpen = source.indexOf('{', classMatch.index)
    const bodyClose = closingIndex(source, depths, bodyOpen, '{}')
    if (bodyClose < 0) continue
    const classDepth = depths[bodyOpen] + 1
    const memberPattern = new RegExp(`(?:static\\s+)?(?:async\\s+)?${escapeRegExp(member)}\\s*\\(`, 'g')
    memberPattern.lastIndex = bodyOpen
    for (let found = memberPattern.exec(source); found && found.index < bodyClose; found = memberPattern.exec(source)) {
      const before = source[found.index - 1]
      if (depths[found.index] !== classDepth || !/[\s;}]/.test(before)) continue
      const paramsOpen = found.index + found[0].length - 1
      const paramsClose = closingIndex(source, depths, paramsOpen, '()')
      const methodOpen = source.indexOf('{', paramsClose)
      const methodClose = closingIndex(source, depths, methodOpen, '{}')
      if (paramsClose < 0 || methodClose < 0 || source.slice(paramsClose + 1, methodOpen).trim() !== '') continue
      return source.slice(found.index, methodClose + 1)
    }
  }
  return undefined
}

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex')

/** The source of `packageName/file`'s `className.member` as installed, or why it cannot be read. */
export function installedMethod(packageName: string, file: string, className: string, member: string): { code: string } | { missing: string } {
  const path = join(installedPackageDirectory(packageName), file)
  if (!existsSync(path)) return { missing: `${packageName}/${file} no longer exists` }
  const code = extractMethod(readFileSync(path, 'utf8'), className, member)
  return code === undefined ? { missing: `${packageName}/${file} has no ${className}.${member}` } : { code }
}
