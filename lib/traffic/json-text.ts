/**
 * Parses config text: JSON.parse, plus the check it skips: a key repeated in
 * one object (JSON.parse keeps the last silently). Errors are coded and name
 * the path of the repeated key.
 */
import { configError } from './config-errors.js'

const join = (path: string, key: string): string => path === '' ? key : `${path}.${key}`

/** Walks the text once for repeated keys; it runs only on text JSON.parse accepted. */
function checkDuplicates(text: string, root: string): void {
  const stack: Array<{ keys: Set<string> | null, path: string, index: number }> = []
  let i = 0
  let pendingKey: string | null = null
  while (i < text.length) {
    const c = text[i]!
    if (c === '"') {
      let j = i + 1
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1
      const str = JSON.parse(text.slice(i, j + 1)) as string
      i = j + 1
      while (/\s/.test(text[i] ?? '')) i++
      const top = stack[stack.length - 1]
      if (text[i] === ':' && top?.keys) {
        if (top.keys.has(str)) configError(join(top.path, str), 'duplicate key')
        top.keys.add(str)
        pendingKey = str
      }
      continue
    }
    if (c === '{' || c === '[') {
      const top = stack[stack.length - 1]
      const path = top === undefined ? root : top.keys ? join(top.path, pendingKey!) : `${top.path}[${top.index}]`
      stack.push({ keys: c === '{' ? new Set() : null, path, index: 0 })
    } else if (c === '}' || c === ']') {
      stack.pop()
    } else if (c === ',') {
      const top = stack[stack.length - 1]
      if (top !== undefined && top.keys === null) top.index++
    }
    i++
  }
}

/** The parsed document; GRIDDLE_ERR_FLAGS_CONFIG for bad JSON or a repeated key. */
export function parseConfigText(text: string, root = ''): unknown {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    configError(root || '(document)', `bad JSON: ${(err as Error).message}`)
  }
  checkDuplicates(text, root)
  return doc
}
