/**
 * A minimal POSIX ustar writer for flat directories (a model package), so an artifact made of
 * several files is one blob that `tar -xf` unpacks.
 */
function field(buf: Buffer, offset: number, length: number, value: string): void {
  buf.write(value.slice(0, length), offset, length, "utf8");
}

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, "0")}\0`;
}

export function tarFiles(files: readonly { name: string; data: Buffer }[], mtimeS: number): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    if (Buffer.byteLength(f.name) > 100) throw new Error(`tar: file name too long: ${f.name}`);
    const h = Buffer.alloc(512, 0);
    field(h, 0, 100, f.name);
    field(h, 100, 8, octal(0o644, 8));
    field(h, 108, 8, octal(0, 8));
    field(h, 116, 8, octal(0, 8));
    field(h, 124, 12, octal(f.data.length, 12));
    field(h, 136, 12, octal(Math.floor(mtimeS), 12));
    field(h, 148, 8, "        "); // checksum counts as spaces while it is computed
    field(h, 156, 1, "0");
    field(h, 257, 6, "ustar\0");
    field(h, 263, 2, "00");
    let sum = 0;
    for (const b of h) sum += b;
    field(h, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
    parts.push(h, f.data, Buffer.alloc((512 - (f.data.length % 512)) % 512, 0));
  }
  parts.push(Buffer.alloc(1024, 0));
  return Buffer.concat(parts);
}
