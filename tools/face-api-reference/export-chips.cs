// Writes the golden chips as SrFace decodes them (SkiaSharp / libjpeg-turbo), as raw 150x150 RGB bytes, so the
// original network can be run on exactly the pixels SrFace sees (jpeg-js decodes the same JPEGs slightly
// differently). Used by make-golden.sh; writes nothing but temp files.
//   dotnet run export-chips.cs -- DATASETS_DIR OUT_DIR IMAGE...   (IMAGE relative to DATASETS_DIR)
#:project ../../src/SrFace/SrFace.csproj
using SrFace.Imaging;

var (datasets, output) = (args[0], args[1]);
Directory.CreateDirectory(output);
var reader = new FaceImageReader(ColorMode.Rgb);
foreach (var (relative, index) in args.Skip(2).Select((r, i) => (r, i)))
{
    using var image = reader.Read(Path.Combine(datasets, relative));   // [3, H, W] in [0, 1]
    using var chip = image.narrow(1, 50, 150).narrow(2, 50, 150);       // the fixed crop at (50, 50)
    using var hwc = chip.permute(1, 2, 0).mul(255).round().to(TorchSharp.torch.ScalarType.Byte).contiguous();
    var file = Path.Combine(output, $"chip{index:00}.rgb");
    File.WriteAllBytes(file, hwc.bytes.ToArray());
    Console.WriteLine($"{file}::{relative}");
}
