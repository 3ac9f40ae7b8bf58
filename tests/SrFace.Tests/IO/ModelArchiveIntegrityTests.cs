using System.IO.Compression;
using System.Text;
using SrFace.Cascade;
using SrFace.Tests.Recognition;
using SrFace.Tests.Training;
using SrFace.Training;

namespace SrFace.Tests.IO;

/// <summary>Model files are checked entry by entry on load (ZIP CRC-32, tensor headers); errors name the file and the entry.</summary>
[Collection(TorchCollection.Name)]
public class ModelArchiveIntegrityTests
{
    [Fact]
    public void A_one_byte_change_in_the_weights_is_refused_naming_file_and_entry()
    {
        var copy = CopyOfTinyModel();
        using (FaceRecognitionCascade.Load(copy)) { } // the intact copy loads
        var bytes = File.ReadAllBytes(copy);
        var (offset, length) = ZipBytes.StoredData(bytes, "recognizer.bin");
        bytes[offset + length / 2] ^= 0x01; // one bit in the middle of the weights: still a finite float
        File.WriteAllBytes(copy, bytes);

        var e = Assert.Throws<InvalidDataException>(() => FaceRecognitionCascade.Load(copy));
        Assert.Contains(copy, e.Message);
        Assert.Contains("'recognizer.bin'", e.Message);
        Assert.Contains("CRC-32", e.Message);
    }

    [Fact]
    public void A_damaged_manifest_is_refused_naming_file_and_entry()
    {
        // The compression method of manifest.json set to one .NET does not support ("unsupported compression method").
        var copy = CopyOfTinyModel();
        var bytes = File.ReadAllBytes(copy);
        foreach (var (header, methodOffset) in new[] { (ZipBytes.LocalHeader(bytes, "manifest.json"), 8), (ZipBytes.CentralHeader(bytes, "manifest.json"), 10) })
            bytes[header + methodOffset] = 99;
        File.WriteAllBytes(copy, bytes);
        var method = Assert.Throws<InvalidDataException>(() => FaceRecognitionCascade.Load(copy));
        Assert.Contains(copy, method.Message);
        Assert.Contains("'manifest.json'", method.Message);

        // One byte of the deflated manifest changed.
        copy = CopyOfTinyModel();
        bytes = File.ReadAllBytes(copy);
        var (offset, length) = ZipBytes.StoredData(bytes, "manifest.json");
        bytes[offset + length / 2] ^= 0x10;
        File.WriteAllBytes(copy, bytes);
        var content = Assert.Throws<InvalidDataException>(() => FaceRecognitionCascade.Load(copy));
        Assert.Contains(copy, content.Message);
        Assert.Contains("'manifest.json'", content.Message);
    }

    [Fact]
    public void A_damaged_tensor_header_with_a_valid_crc_is_an_error_not_a_libtorch_allocation()
    {
        // Rewritten through ZipArchive, so the CRC matches: the header check must catch it.
        var copy = CopyOfTinyModel();
        using (var zip = ZipFile.Open(copy, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("recognizer.bin")!;
            byte[] data;
            using (var s = entry.Open()) { var m = new MemoryStream(); s.CopyTo(m); data = m.ToArray(); }
            // Layout: int32 count, then per tensor a length-prefixed name, int32 dtype, int32 rank, int64 dims...
            var nameLength = data[4];
            var firstDim = 4 + 1 + nameLength + 4 + 4;
            BitConverter.GetBytes(1L << 40).CopyTo(data, firstDim);
            entry.Delete();
            using var w = zip.CreateEntry("recognizer.bin", CompressionLevel.NoCompression).Open();
            w.Write(data);
        }
        var e = Assert.Throws<InvalidDataException>(() => FaceRecognitionCascade.Load(copy));
        Assert.Contains(copy, e.Message);
        Assert.Contains("'recognizer.bin'", e.Message);
        Assert.Contains("tensor", e.Message);
    }

    [Fact]
    public void Extending_the_budget_of_a_damaged_checkpoint_is_refused_and_leaves_it_unchanged()
    {
        var dir = TestData.NewTempDir();
        var options = TrainingFixtures.TinyOptions() with { Stop = new StopConditions(1) };
        using (var trainer = new JointTrainer(options))
            new TrainingRun(options, TrainingFixtures.SmallLfwLoader(), dir).Run(trainer);
        var path = Path.Combine(dir, TrainingCheckpoint.FileName);
        var bytes = File.ReadAllBytes(path);
        var (offset, length) = ZipBytes.StoredData(bytes, "recognizer-optimizer.bin");
        bytes[offset + length - 3] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<InvalidDataException>(() => IterationBudget.Extend(dir, 5));
        Assert.Contains("'recognizer-optimizer.bin'", e.Message);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    private static string CopyOfTinyModel()
    {
        var copy = Path.Combine(TestData.NewTempDir(), "copy" + FaceRecognitionCascade.Extension);
        File.Copy(TinyCascade.ModelPath, copy);
        return copy;
    }
}

/// <summary>Finds entries in the raw bytes of a ZIP file (local and central headers, PKWARE APPNOTE 4.3.7 / 4.3.12).</summary>
internal static class ZipBytes
{
    /// <summary>Offset of the local file header of <paramref name="name"/>.</summary>
    public static int LocalHeader(byte[] zip, string name) => Find(zip, [0x50, 0x4b, 0x03, 0x04], 30, name);

    /// <summary>Offset of the central directory header of <paramref name="name"/>.</summary>
    public static int CentralHeader(byte[] zip, string name) => Find(zip, [0x50, 0x4b, 0x01, 0x02], 46, name);

    /// <summary>Offset and length of the (compressed) data of <paramref name="name"/>, from its central header's size.</summary>
    public static (int Offset, int Length) StoredData(byte[] zip, string name)
    {
        var local = LocalHeader(zip, name);
        var offset = local + 30 + BitConverter.ToUInt16(zip, local + 26) + BitConverter.ToUInt16(zip, local + 28);
        var length = (int)BitConverter.ToUInt32(zip, CentralHeader(zip, name) + 20);
        Assert.True(length > 16, $"entry {name} has {length} bytes");
        return (offset, length);
    }

    private static int Find(byte[] zip, byte[] signature, int nameAt, string name)
    {
        var encoded = Encoding.UTF8.GetBytes(name);
        for (var i = 0; i + nameAt + encoded.Length <= zip.Length; i++)
            if (zip.AsSpan(i, 4).SequenceEqual(signature) && zip.AsSpan(i + nameAt, encoded.Length).SequenceEqual(encoded))
                return i;
        throw new InvalidOperationException($"no header for {name}");
    }
}
