import QRCode from 'qrcode'

/** A QR code of `data` as a standalone SVG document, sized by its viewBox so the page can scale it. */
export function qrSvg(data: string): Promise<string> {
  return QRCode.toString(data, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, color: { dark: '#111827', light: '#ffffff' } })
}
