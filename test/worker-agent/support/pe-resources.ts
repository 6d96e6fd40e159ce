/**
 * Reads a Windows PE file far enough to check a single-file executable: its machine type and one named resource of
 * the resource section (postject stores the SEA blob as RT_RCDATA "NODE_SEA_BLOB"). Layout: Microsoft's PE Format
 * (COFF header, PE32+ optional header, section table, resource directory tables).
 */
export interface PeFile {
  machine: number;
  /** The bytes of resource `type`/`name` (first language), or undefined when there is none. */
  resource(type: number, name: string): Buffer | undefined;
}

export const machineAmd64 = 0x8664;
export const resourceTypeRcData = 10;

export function readPe(file: Buffer): PeFile {
  if (file.toString('latin1', 0, 2) !== 'MZ') throw new Error('not a PE file: no MZ header');
  const pe = file.readUInt32LE(0x3c);
  if (file.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new Error('not a PE file: no PE signature');
  const machine = file.readUInt16LE(pe + 4);
  const sectionCount = file.readUInt16LE(pe + 6);
  const optionalHeaderSize = file.readUInt16LE(pe + 20);
  const optional = pe + 24;
  if (file.readUInt16LE(optional) !== 0x20b) throw new Error('not a PE32+ file');
  const resourceRva = file.readUInt32LE(optional + 112 + 2 * 8);
  const sections = Array.from({ length: sectionCount }, (_, index) => {
    const at = optional + optionalHeaderSize + index * 40;
    return { virtualAddress: file.readUInt32LE(at + 12), rawSize: file.readUInt32LE(at + 16), rawPointer: file.readUInt32LE(at + 20) };
  });
  const offsetOf = (rva: number): number => {
    const section = sections.find((s) => rva >= s.virtualAddress && rva < s.virtualAddress + s.rawSize);
    if (!section) throw new Error(`RVA ${rva} lies in no section`);
    return rva - section.virtualAddress + section.rawPointer;
  };
  const base = offsetOf(resourceRva);
  const entries = (directory: number): { name: string | number; target: number; isDirectory: boolean }[] => {
    const count = file.readUInt16LE(directory + 12) + file.readUInt16LE(directory + 14);
    return Array.from({ length: count }, (_, index) => {
      const at = directory + 16 + index * 8;
      const nameField = file.readUInt32LE(at);
      const dataField = file.readUInt32LE(at + 4);
      const name =
        nameField & 0x80000000
          ? file.toString('utf16le', base + (nameField & 0x7fffffff) + 2, base + (nameField & 0x7fffffff) + 2 + 2 * file.readUInt16LE(base + (nameField & 0x7fffffff)))
          : nameField;
      return { name, target: base + (dataField & 0x7fffffff), isDirectory: (dataField & 0x80000000) !== 0 };
    });
  };
  return {
    machine,
    resource(type, name) {
      const byType = entries(base).find((entry) => entry.name === type && entry.isDirectory);
      const byName = byType && entries(byType.target).find((entry) => entry.name === name && entry.isDirectory);
      const language = byName && entries(byName.target)[0];
      if (!language || language.isDirectory) return undefined;
      const dataOffset = offsetOf(file.readUInt32LE(language.target));
      return file.subarray(dataOffset, dataOffset + file.readUInt32LE(language.target + 4));
    },
  };
}
