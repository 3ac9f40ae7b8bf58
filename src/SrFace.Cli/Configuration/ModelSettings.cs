using System.ComponentModel;
using Spectre.Console.Cli;

namespace SrFace.Cli.Configuration;

/// <summary>The model options every recognition command shares (<c>verify</c>, <c>enroll</c>, <c>identify</c>, <c>evaluate</c>).</summary>
internal abstract class ModelSettings : CommandSettings
{
    /// <summary>A cascade file or a pretrained recogniser's catalogue name; null = the default pretrained recogniser.</summary>
    [CommandOption("-m|--model <MODEL>")]
    [Description("A trained cascade (.srface file) or a pretrained recogniser's name (default: " + ModelSource.DefaultPretrained + ", from the model store).")]
    public string? Model { get; init; }

    /// <summary>The model store folder.</summary>
    [CommandOption("--models <DIR>")]
    [Description("Model store folder with the pretrained weights (default: $" + SrFace.Models.Pretrained.ModelStore.EnvironmentVariable + ", else ~/.cache/srface/models; filled by " + SrFace.Models.Pretrained.ModelStore.FetchCommand + ").")]
    public string? Models { get; init; }
}

/// <summary>The model options of the commands that embed faces through either runtime (<c>verify</c>, <c>enroll</c>, <c>identify</c>).</summary>
internal abstract class RecognitionSettings : ModelSettings
{
    /// <summary>Inference runtime: torch (TorchSharp, a .srface model) or onnx (ONNX Runtime, a .onnx export).</summary>
    [CommandOption("--runtime <RUNTIME>")]
    [Description("torch (default: TorchSharp, --model is a .srface file or a pretrained recogniser) or onnx (ONNX Runtime: --model is a file from `srface export`; " +
                 "no libtorch; models that align faces, e.g. an export of dlib-resnet, detect and align with the F.faces.onnx written beside F.onnx). " +
                 "An export carries its cascade's model id, so a gallery enrolled with one runtime is searched with the other only for the same model.")]
    [DefaultValue("torch")]
    public string Runtime { get; init; } = "torch";

    /// <summary>The help of <c>--bf16</c> here and in <c>serve</c>.</summary>
    public const string BFloat16Help = "Run the models in bfloat16 (--runtime torch; faster on CPUs with AVX-512 BF16 or AMX, see `srface doctor`; " +
                                       "cosines move by a few 1e-4, so enrol and search a gallery at one precision).";

    /// <summary>Whether the TorchSharp models compute in bfloat16.</summary>
    [CommandOption("--bf16")]
    [Description(BFloat16Help)]
    public bool BFloat16 { get; init; }

    /// <summary>The (bad, message) check of <see cref="Runtime"/> and <see cref="BFloat16"/> for <c>RecognitionCli.Check</c>.</summary>
    protected (bool Bad, string Message) RuntimeCheck =>
        !Commands.RecognitionCli.IsRuntime(Runtime) ? (true, $"--runtime must be torch or onnx; got '{Runtime}'.")
        : BFloat16 && Commands.RecognitionCli.IsOnnx(Runtime) ? (true, "--bf16 applies to --runtime torch; an ONNX export runs in float32.")
        : (false, "");
}
