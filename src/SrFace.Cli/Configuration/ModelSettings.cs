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
