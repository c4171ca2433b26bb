/**
 * Folded stacks ("root;caller;callee count", one line per distinct stack) from
 * the tree 0x writes with --tree-debug, so the samples can be diffed, grepped,
 * or fed to any other flame-graph tool.
 */
export interface TreeNode {
  name: string
  /** samples in this frame and below */
  value: number
  /** samples with this frame on top */
  top: number
  children?: TreeNode[]
}

/** Frame names may hold ';' (rare in C++ templates); folded format splits on it. */
const clean = (name: string): string => name.replace(/;/g, ',').replace(/\s+/g, ' ').trim()

export function foldTree(root: TreeNode): string[] {
  const lines: string[] = []
  const walk = (node: TreeNode, prefix: string): void => {
    const path = prefix === '' ? clean(node.name) : `${prefix};${clean(node.name)}`
    if (node.top > 0) lines.push(`${path} ${node.top}`)
    for (const child of node.children ?? []) walk(child, path)
  }
  // The root is 0x's synthetic "all stacks" node: the stacks start below it.
  for (const child of root.children ?? []) walk(child, '')
  return lines
}

/** 0x's tree file holds a merged tree (optimisation tiers folded together) and an unmerged one. */
export function mergedRoot(treeFile: unknown): TreeNode {
  const t = treeFile as { merged?: TreeNode } & TreeNode
  if (t.merged !== undefined) return t.merged
  if (typeof t.name === 'string' && typeof t.value === 'number') return t
  throw new Error('not a 0x stacks tree: expected { merged } or a node with name and value')
}
