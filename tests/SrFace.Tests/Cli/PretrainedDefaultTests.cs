using Spectre.Console.Cli;
using SrFace.Cli;
using SrFace.Cli.Commands;
using SrFace.Tests.Models.Pretrained;

namespace SrFace.Tests.Cli;

/// <summary>The pretrained recogniser as the CLI's default model, and <c>srface models</c>.</summary>
[Collection(TorchCollection.Name)]
public class PretrainedDefaultTests
{
    private static int Run(params string[] args)
    {
        var app = new CommandApp();
        app.Configure(c =>
        {
            c.PropagateExceptions();
            c.AddCommand<ModelsCommand>("models");
            c.AddCommand<VerifyCommand>("verify");
        });
        return CliErrors.Run(() => app.Run(args));
    }

    private static string Lfw(string person, int n) => Path.Combine(TestData.LfwImages, person, $"{person}_{n:0000}.jpg");

    [Fact]
    public void VerifyWithoutAModelUsesThePretrainedRecognizerAndItsCalibratedThreshold()
    {
        var store = PretrainedStore.Open().Root;
        Assert.Equal(0, Run("verify", Lfw("Colin_Powell", 1), Lfw("Colin_Powell", 2), "--models", store));
        Assert.Equal(1, Run("verify", Lfw("Colin_Powell", 1), Lfw("Serena_Williams", 1), "--models", store, "--json"));
        Assert.Equal(0, Run("verify", Lfw("Serena_Williams", 1), Lfw("Serena_Williams", 2), "--model", "dlib-resnet", "--models", store));
    }

    [Fact]
    public void AMissingOrDamagedStoreIsAnErrorNamingTheFetchCommand()
    {
        // The messages themselves are pinned in ModelStoreTests; here: errors, never an answer (exit 2).
        var empty = Path.Combine(TestData.NewTempDir(), "store");
        Assert.Equal(2, Run("models", "--models", empty));
        Assert.Equal(2, Run("verify", Lfw("Colin_Powell", 1), Lfw("Colin_Powell", 2), "--models", empty));
        Assert.Equal(0, Run("models", "--models", PretrainedStore.Open().Root));
    }
}
