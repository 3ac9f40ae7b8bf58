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

    /// <summary>The (bad, message) check of <see cref="Runtime"/> for <c>RecognitionCli.Check</c>.</summary>
    protected (bool Bad, string Message) RuntimeCheck => (!Commands.RecognitionCli.IsRuntime(Runtime), $"--runtime must be torch or onnx; got '{Runtime}'.");
}
