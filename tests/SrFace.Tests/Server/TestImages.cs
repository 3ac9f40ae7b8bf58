using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace SrFace.Tests.Server;

/// <summary>Hostile uploads made on the fly: a huge-but-small PNG and a ZIP file named .jpg.</summary>
internal static class TestImages
{
    /// <summary>
    /// A valid greyscale PNG of <paramref name="width"/> x <paramref name="height"/> black pixels, written row by row
    /// through zlib so it never exists uncompressed (50 megapixels compress to about 50 KB).
    /// </summary>
    public static byte[] BlackPng(int width, int height)
    {
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth; colour type 0 (grey), compression 0, filter 0, interlace 0
        Chunk(png, "IHDR", ihdr);
        using (var idat = new MemoryStream())
        {
            using (var z = new ZLibStream(idat, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                var row = new byte[width + 1]; // filter byte 0 + zero pixels
                for (var y = 0; y < height; y++) z.Write(row);
            }
            Chunk(png, "IDAT", idat.ToArray());
        }
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>A real ZIP archive (one text entry): what a renamed .zip-as-.jpg upload carries.</summary>
    public static byte[] Zip()
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        using (var entry = new StreamWriter(zip.CreateEntry("readme.txt").Open()))
            entry.Write(new string('z', 10_000));
        return stream.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        Encoding.ASCII.GetBytes(type, header.AsSpan(4));
        png.Write(header);
        png.Write(data);
        var value = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(value, Crc32([.. header.AsSpan(4), .. data]));
        png.Write(value);
    }

    /// <summary>The CRC-32 of PNG chunks (ISO 3309, reflected 0xEDB88320).</summary>
    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }
}
