// The pinned uWS package's binaries for Node 22 and later (ABI 127, 137, 141)
// were linked against glibc 2.38, and fail to load on older systems (Debian 12
// has 2.36) with "version `GLIBC_2.38' not found". They ask 2.38 for three
// symbols only, __isoc23_strtol, __isoc23_strtoul and __isoc23_strtoull, which
// GCC emits for strtol & co. under C23 rules; they differ from the C17
// functions only in also reading a "0b" prefix when the base is 0 or 2.
//
// This writes a copy of this Node's binary in which those three references
// name the C17 functions (the name offset moves past "__isoc23_", the version
// requirement becomes unversioned and weak), and prints the copy's path for
// GRIDDLE_UWS. It refuses anything else: another package version, other
// symbols needing 2.38, a binary that is not ELF64 little-endian. A binary
// that loads as it is is not copied: its own path is printed.
//
// Usage: node scripts/uws-glibc-compat.mjs OUT_DIR   (see docs/transport.md)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PACKAGE = 'uwebsockets'
const REBOUND = new Set(['__isoc23_strtol', '__isoc23_strtoul', '__isoc23_strtoull'])
const PREFIX = '__isoc23_'.length
const SHT_DYNSYM = 11
const SHT_GNU_VERNEED = 0x6ffffffe
const SHT_GNU_VERSYM = 0x6fffffff
const VER_FLG_WEAK = 2
const VER_NDX_GLOBAL = 1

function die(message) {
  console.error(`uws-glibc-compat: ${message}`)
  process.exit(1)
}

const outDir = process.argv[2] ?? die('usage: node scripts/uws-glibc-compat.mjs OUT_DIR')
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies[PACKAGE]
const require = createRequire(join(root, 'package.json'))
const pkgDir = dirname(require.resolve(`${PACKAGE}/package.json`))
const installed = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version
if (installed !== pinned) die(`${PACKAGE} ${installed} is installed, package.json pins ${pinned}`)
const name = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`
const source = join(pkgDir, name)
const b = readFileSync(source)
if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) die(`${source} is not a little-endian ELF64 file`)

const shoff = Number(b.readBigUInt64LE(0x28))
const shentsize = b.readUInt16LE(0x3a)
const sections = Array.from({ length: b.readUInt16LE(0x3c) }, (_, i) => {
  const o = shoff + i * shentsize
  return { type: b.readUInt32LE(o + 4), off: Number(b.readBigUInt64LE(o + 24)), size: Number(b.readBigUInt64LE(o + 32)),
    link: b.readUInt32LE(o + 40), info: b.readUInt32LE(o + 44), entsize: Number(b.readBigUInt64LE(o + 56)) }
})
const find = (type) => sections.find((s) => s.type === type) ?? die(`${source} has no section of type ${type}`)
const dynsym = find(SHT_DYNSYM)
const versym = find(SHT_GNU_VERSYM)
const verneed = find(SHT_GNU_VERNEED)
const dynstr = sections[dynsym.link]
const string = (offset) => b.toString('latin1', dynstr.off + offset, b.indexOf(0, dynstr.off + offset))

// The version indexes that stand for GLIBC_2.38; their requirement becomes weak.
const newer = new Set()
for (let n = 0, vo = verneed.off; n < verneed.info; n++) {
  for (let j = 0, ao = vo + b.readUInt32LE(vo + 8); j < b.readUInt16LE(vo + 2); j++) {
    if (string(b.readUInt32LE(ao + 8)) === 'GLIBC_2.38') {
      newer.add(b.readUInt16LE(ao + 6))
      b.writeUInt16LE(b.readUInt16LE(ao + 4) | VER_FLG_WEAK, ao + 4)
    }
    ao += b.readUInt32LE(ao + 12)
  }
  vo += b.readUInt32LE(vo + 12)
}
if (newer.size === 0) {
  console.log(source)
  process.exit(0)
}
let rebound = 0
for (let i = 0; i < dynsym.size / dynsym.entsize; i++) {
  const o = dynsym.off + i * dynsym.entsize
  if (!newer.has(b.readUInt16LE(versym.off + i * 2) & 0x7fff)) continue
  const symbol = string(b.readUInt32LE(o))
  if (!REBOUND.has(symbol)) die(`${source} needs ${symbol} from glibc 2.38, which has no older equal`)
  // Undefined symbols are not in the hash table: moving the name is enough.
  b.writeUInt32LE(b.readUInt32LE(o) + PREFIX, o)
  b.writeUInt16LE(VER_NDX_GLOBAL, versym.off + i * 2)
  rebound++
}
mkdirSync(outDir, { recursive: true })
const target = join(outDir, name)
writeFileSync(target, b)
console.error(`uws-glibc-compat: ${rebound} references rebound to the C17 functions in ${target}`)
console.log(target)
