using SrFace.Cli;
using SrFace.Cli.Commands;
using Spectre.Console.Cli;

// One class per command (Commands/*.cs); each maps its settings to a library options record and calls the library.
var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("srface");
    config.PropagateExceptions();
    config.AddCommand<DoctorCommand>("doctor").WithDescription("Print the runtime and check that convolution gradients are computed correctly.");
    config.AddCommand<DataCommand>("data").WithDescription("Check the face datasets and LFW protocol files and print their figures.");
    config.AddCommand<TrainCommand>("train").WithDescription("Train an SR model and a face recogniser jointly on LFW and save the cascade.");
    config.AddCommand<VersionCommand>("version").WithDescription("Print the SrFace and TorchSharp/libtorch versions.");
    // Commands are registered here, one line each (keep alphabetical within a group).
});
return CliErrors.Run(() => app.Run(args));
