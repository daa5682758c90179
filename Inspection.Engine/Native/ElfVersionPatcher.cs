using System.Buffers.Binary;
using System.Text;

namespace Inspection.Engine.Native;

/// <summary>
/// Marks one symbol-version requirement of an ELF64 shared library as weak (VER_FLG_WEAK).
/// The dynamic loader then accepts a host library that lacks that version instead of refusing to load.
/// We need this because TorchSharp's libLibTorchSharp.so asks for GLIBCXX_3.4.32 for a single symbol
/// (std::ios_base_library_init) that it never calls, and Debian 12's libstdc++ stops at 3.4.30.
/// </summary>
public static class ElfVersionPatcher
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>Returns the number of version requirements named <paramref name="versionName"/> that were made weak.</summary>
    public static int MarkVersionWeak(byte[] elf, string versionName)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("only little-endian ELF64 files are supported");

        var span = elf.AsSpan();
        ulong sectionOffset = BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        int sectionSize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        int sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);
        var wanted = Encoding.ASCII.GetBytes(versionName);
        int patched = 0;

        for (int s = 0; s < sectionCount; s++)
        {
            var header = span[(int)(sectionOffset + (ulong)(s * sectionSize))..];
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != ShtGnuVerneed) continue;
            long offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]);
            int linkedStrings = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]);
            var stringsHeader = span[(int)(sectionOffset + (ulong)(linkedStrings * sectionSize))..];
            long stringsOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(stringsHeader[0x18..]);

            long need = offset;
            while (true)
            {
                int auxCount = BinaryPrimitives.ReadUInt16LittleEndian(span[(int)(need + 2)..]);
                long aux = need + BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(need + 8)..]);
                for (int a = 0; a < auxCount; a++)
                {
                    long name = stringsOffset + BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(aux + 8)..]);
                    var nameBytes = span[(int)name..];
                    if (nameBytes.StartsWith(wanted) && nameBytes[wanted.Length] == 0)
                    {
                        var flags = span[(int)(aux + 4)..];
                        BinaryPrimitives.WriteUInt16LittleEndian(flags, (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(flags) | VerFlagWeak));
                        patched++;
                    }
                    uint nextAux = BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(aux + 12)..]);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(need + 12)..]);
                if (next == 0) break;
                need += next;
            }
        }
        return patched;
    }
}
