// Draws the app icons (four soft discs, one per phase: Pause, Expand, Focus,
// Doing) as PNG files in static/icons. Run `npm run icons` after changing the
// design; the PNGs are committed.
import { deflateSync } from "node:zlib";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const out = join(dirname(fileURLToPath(import.meta.url)), "..", "static", "icons");

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, pixel) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x + 0.5, y + 0.5);
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = r; raw[o + 1] = g; raw[o + 2] = b; raw[o + 3] = a;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw, { level: 9 })), chunk("IEND", Buffer.alloc(0)),
  ]);
}

const bg = [61, 90, 87];
const phases = [[233, 196, 106], [244, 162, 97], [231, 111, 81], [246, 241, 232]];
const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));

// scale: the share of the icon the artwork fills (maskable icons keep to the
// central safe zone); round: whether the background is a disc or full bleed.
function icon(size, scale, round) {
  const c = size / 2, r = (size / 2) * scale;
  const discs = phases.map((col, i) => {
    const a = -Math.PI / 2 + (i * Math.PI) / 2;
    return { x: c + Math.cos(a) * r * 0.42, y: c + Math.sin(a) * r * 0.42, r: r * 0.3, col };
  });
  return png(size, (x, y) => {
    const edge = (d, rad) => Math.max(0, Math.min(1, rad - d + 0.5)); // 1 inside, antialiased edge
    let col = bg, alpha = round ? edge(Math.hypot(x - c, y - c), size / 2) : 1;
    for (const d of discs) {
      const t = edge(Math.hypot(x - d.x, y - d.y), d.r) * 0.92;
      if (t > 0) col = mix(col, d.col, t);
    }
    return [...col, Math.round(alpha * 255)];
  });
}

mkdirSync(out, { recursive: true });
writeFileSync(join(out, "icon-192.png"), icon(192, 0.9, true));
writeFileSync(join(out, "icon-512.png"), icon(512, 0.9, true));
writeFileSync(join(out, "maskable-512.png"), icon(512, 0.62, false));
console.log("icons written to", out);
