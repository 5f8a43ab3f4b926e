// Preloaded (node --import) into the electronegativity CLI. Its CSV writer starts
// fs.writeFile(header) and fs.writeFile(rows, { flag: 'a' }) without waiting
// for the first, so the header sometimes lands over the first row (or after
// the rows are written, erasing them). This runs writeFile calls one after the
// other, in call order, which is what the CLI means.
import fs from 'node:fs'

const writeFile = fs.writeFile
let queue = Promise.resolve()

fs.writeFile = function serialWriteFile(file, data, options, callback) {
  if (typeof options === 'function') {
    callback = options
    options = undefined
  }
  queue = queue.then(
    () =>
      new Promise((resolve) => {
        writeFile(file, data, options ?? {}, (error) => {
          resolve()
          if (callback) callback(error)
        })
      }),
  )
}
