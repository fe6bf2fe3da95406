import { deflateSync } from 'node:zlib';

/**
 * A tiny raster canvas (RGB) with filled rectangles and a 5x7 bitmap font, encoded as PNG with
 * node:zlib: enough for a bar chart without an image library.
 */

/** Printable ASCII 0x20..0x7E, 5 columns per glyph, bit 0 = top row (the classic 5x7 LCD font). */
const FONT_5X7: string[] = (
  '000000000000005f00000007000700147f147f14242a7f2a12231308646236495522500005030000001c224100' +
  '0041221c00082a1c2a0808083e080800503000000808080808006060000020100804023e5149453e00427f4000' +
  '42615149462141454b311814127f1027454545393c4a49493001710905033649494936064949291e0036360000' +
  '00563600000008142241141414141441221408000201510906324979413e7e1111117e7f494949363e41414122' +
  '7f4141221c7f494949417f090901013e414151327f0808087f00417f41002040413f017f081422417f40404040' +
  '7f0204027f7f0408107f3e4141413e7f090909063e4151215e7f09192946464949493101017f01013f4040403f' +
  '1f2040201f7f2018207f63140814630304780403615149454300007f4141020408102041417f00000402010204' +
  '4040404040000102040020545454787f484444383844444420384444487f3854545418087e090102081454543c' +
  '7f0804047800447d40002040443d00007f10284400417f40007c041804787c0804047838444444387c14141408' +
  '081414187c7c080404084854545420043f4440203c4040207c1c2040201c3c4030403c44281028440c5050503c' +
  '4464544c44000836410000007f000000413608000201020402'
).match(/.{10}/g)!;

export type Rgb = readonly [number, number, number];

export class Canvas {
  readonly pixels: Buffer;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.pixels = Buffer.alloc(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  fillRect(x: number, y: number, w: number, h: number, [r, g, b]: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let row = y0; row < y1; row += 1) {
      for (let col = x0; col < x1; col += 1) {
        const i = (row * this.width + col) * 3;
        this.pixels[i] = r;
        this.pixels[i + 1] = g;
        this.pixels[i + 2] = b;
      }
    }
  }

  /** Text with its top-left corner at (x, y); each font pixel is `scale` x `scale`. Returns the width. */
  text(x: number, y: number, text: string, color: Rgb, scale = 2): number {
    let cursor = x;
    for (const char of text) {
      const code = char.charCodeAt(0);
      const glyph = FONT_5X7[code >= 0x20 && code <= 0x7e ? code - 0x20 : '?'.charCodeAt(0) - 0x20]!;
      for (let col = 0; col < 5; col += 1) {
        const bits = parseInt(glyph.slice(col * 2, col * 2 + 2), 16);
        for (let row = 0; row < 8; row += 1) {
          if (bits & (1 << row)) this.fillRect(cursor + col * scale, y + row * scale, scale, scale, color);
        }
      }
      cursor += 6 * scale;
    }
    return cursor - x;
  }

  static textWidth(text: string, scale = 2): number {
    return text.length * 6 * scale;
  }

  toPng(): Buffer {
    const stride = this.width * 3;
    const raw = Buffer.alloc((stride + 1) * this.height);
    for (let row = 0; row < this.height; row += 1) {
      raw[row * (stride + 1)] = 0; // filter: none
      this.pixels.copy(raw, row * (stride + 1) + 1, row * stride, (row + 1) * stride);
    }
    const header = Buffer.alloc(13);
    header.writeUInt32BE(this.width, 0);
    header.writeUInt32BE(this.height, 4);
    header.writeUInt8(8, 8); // bit depth
    header.writeUInt8(2, 9); // colour type: RGB
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', deflateSync(raw, { level: 9 })),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
