#!/usr/bin/env node
// The `griddle` executable (package.json "bin"); the commands live in dispatch.ts.
import { processIo } from './command.js'
import { dispatch } from './dispatch.js'

process.exitCode = await dispatch(process.argv.slice(2), processIo)
