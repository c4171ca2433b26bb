import { test } from 'node:test'
import assert from 'node:assert/strict'
import { foldTree, mergedRoot, type TreeNode } from '../../flamegraphs/fold.js'

const tree: TreeNode = {
  name: 'all stacks', value: 10, top: 0, children: [
    { name: 'main', value: 10, top: 1, children: [
      { name: 'onRequest', value: 7, top: 4, children: [{ name: 'dispatch; C++', value: 3, top: 3 }] },
      { name: 'epoll_wait', value: 2, top: 2 },
    ] },
  ],
}

test('folding a tree gives one line per stack with its own samples, below the synthetic root', () => {
  assert.deepEqual(foldTree(tree), [
    'main 1',
    'main;onRequest 4',
    'main;onRequest;dispatch, C++ 3',
    'main;epoll_wait 2',
  ])
})

test('the folded counts add up to the root\'s samples', () => {
  const total = foldTree(tree).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0)
  assert.equal(total, tree.value)
})

test('mergedRoot takes 0x\'s merged tree and refuses anything else', () => {
  assert.equal(mergedRoot({ merged: tree, unmerged: tree }), tree)
  assert.equal(mergedRoot(tree), tree)
  assert.throws(() => mergedRoot({ stacks: [] }), /not a 0x stacks tree/)
})
