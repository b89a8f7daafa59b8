namespace Backprop.Generated.Generator.Helpers;

/// <summary>
/// CRC-32 as in IEEE 802.3, zlib and System.IO.Hashing.Crc32 (which netstandard2.0 lacks): reflected
/// polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF. The model format ends with this checksum.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] s_table = CreateTable();

    /// <summary>The CRC-32 of <c>bytes[0..count)</c>.</summary>
    public static uint Compute(byte[] bytes, int count)
    {
        uint crc = 0xFFFFFFFFu;
        for (int i = 0; i < count; i++)
        {
            crc = s_table[(crc ^ bytes[i]) & 0xFF] ^ (crc >> 8);
        }
        return ~crc;
    }

    /// <summary>Entry n is the CRC register after shifting the byte n through it, one bit at a time.</summary>
    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int bit = 0; bit < 8; bit++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            table[n] = c;
        }
        return table;
    }
}
