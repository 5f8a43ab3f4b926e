// Reading electronegativity's CSV report, and which of its checks block.

/** The checks the issue names: a finding of any of these fails the build test. */
export const BLOCKING_CHECK_IDS: ReadonlySet<string> = new Set([
  // node integration
  'NODE_INTEGRATION_JS_CHECK',
  'NODE_INTEGRATION_HTML_CHECK',
  'NODE_INTEGRATION_ATTACH_EVENT_JS_CHECK',
  // context isolation, sandbox, web security, insecure content
  'CONTEXT_ISOLATION_JS_CHECK',
  'SANDBOX_JS_CHECK',
  'WEB_SECURITY_JS_CHECK',
  'WEB_SECURITY_HTML_CHECK',
  'INSECURE_CONTENT_JS_CHECK',
  'INSECURE_CONTENT_HTML_CHECK',
  // HTTP resources
  'HTTP_RESOURCES_JS_CHECK',
  'HTTP_RESOURCES_HTML_CHECK',
  'HTTP_RESOURCES_AND_NODE_INTEGRATION_GLOBAL_CHECK',
  // CSP
  'CSP_GLOBAL_CHECK',
  'CSP_JS_CHECK',
  'CSP_HTML_CHECK',
  // navigation
  'LIMIT_NAVIGATION_GLOBAL_CHECK',
  'AUXCLICK_JS_CHECK',
  'AUXCLICK_HTML_CHECK',
  'ALLOWPOPUPS_HTML_CHECK',
  // permission handler
  'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK',
  // experimental and Blink features
  'EXPERIMENTAL_FEATURES_JS_CHECK',
  'EXPERIMENTAL_FEATURES_HTML_CHECK',
  'BLINK_FEATURES_JS_CHECK',
  'BLINK_FEATURES_HTML_CHECK',
  // open external, certificate handlers, dangerous functions, security warnings
  'OPEN_EXTERNAL_JS_CHECK',
  'CERTIFICATE_ERROR_EVENT_JS_CHECK',
  'CERTIFICATE_VERIFY_PROC_JS_CHECK',
  'DANGEROUS_FUNCTIONS_JS_CHECK',
  'SECURITY_WARNINGS_DISABLED_JS_CHECK',
  'SECURITY_WARNINGS_DISABLED_JSON_CHECK',
])

export interface Finding {
  id: string
  severity: string
  confidence: string
  file: string
  location: string
  sample: string
  description: string
}

/** One CSV record: fields separated by commas, optionally quoted with "" escapes. */
function splitRecord(line: string): string[] {
  const fields: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      fields.push(field)
      field = ''
    } else field += c
  }
  fields.push(field)
  return fields
}

const HEADER = 'issue, severity, confidence, filename, location, sample, description, url'
const ROW = /^([A-Z0-9_]+),.*,https:\/\/github\.com\/doyensec\/electronegativity\/wiki\/\1$/

/**
 * The findings, and whether the file is whole: the header intact and every
 * row a full record (the CLI's unsynchronised writes can clobber the start).
 */
export function parseElectronegativityCsv(text: string): {
  findings: Finding[]
  isComplete: boolean
} {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0)
  let isComplete = lines[0] === HEADER
  const findings: Finding[] = []
  for (const line of lines.slice(1)) {
    if (!ROW.test(line)) {
      isComplete = false
      continue
    }
    const [
      id = '',
      severity = '',
      confidence = '',
      file = '',
      location = '',
      sample = '',
      description = '',
    ] = splitRecord(line)
    findings.push({ id, severity, confidence, file, location, sample, description })
  }
  return { findings, isComplete }
}

function directivesOf(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name = '', ...values]) => [name.toLowerCase(), values]),
  )
}

/**
 * The one accepted finding: CSP_GLOBAL_CHECK's "may be weak" note about
 * `script-src 'self'` (csp-evaluator warns that 'self' is risky when the
 * origin hosts JSONP or user uploads; app://guichet serves only the built
 * renderer). Accepted only for a policy with default-src 'none', script-src
 * exactly 'self' and nothing unsafe anywhere; a "vulnerable", "invalid" or
 * "no CSP" verdict always blocks.
 */
export function isAcceptedFinding(finding: Finding): boolean {
  if (finding.id !== 'CSP_GLOBAL_CHECK') return false
  if (!/seems to be vulnerable/.test(finding.description)) return false
  const directives = directivesOf(finding.sample)
  return (
    directives.get('default-src')?.join(' ') === "'none'" &&
    directives.get('script-src')?.join(' ') === "'self'" &&
    !/unsafe-|\*|https?:/.test(finding.sample)
  )
}
