/**
 * The lowest layer: one FIDO HID device as a pipe of 64-byte reports (CTAP 2.1 §11.2.4 and
 * §11.2.8: 64-byte input and output reports; no report-id byte here, the node-hid back end adds
 * the 0x00 report id that the OS wants on write).
 *
 * Two back ends implement it (node-hid over USB, UDP for authenticator firmware's PC builds), and
 * the virtual key offers an in-memory one. Everything above only sees this interface.
 */

export const HID_REPORT_SIZE = 64

export interface HidTransport {
  /** Sends one output report of exactly HID_REPORT_SIZE bytes. Rejects with CtapHidError('disconnected'). */
  write(report: Uint8Array): Promise<void>
  /**
   * Resolves with the next input report, or undefined when none arrived within timeoutMs.
   * Rejects with CtapHidError('disconnected') when the device is gone.
   */
  read(timeoutMs: number): Promise<Uint8Array | undefined>
  /** Releases the device. Idempotent. */
  close(): Promise<void>
  /**
   * On a lossy transport (UDP): a device that got a request answers something on its channel
   * (its response, KEEPALIVE, an error) within this long; a longer silence means the request or
   * its answer was lost (CtapHidError 'no-response'). Absent: silence is only a timeout.
   */
  readonly answerWithinMs?: number
}
