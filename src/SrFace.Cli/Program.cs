using SrFace.Cli;
using SrFace.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

// Before any tensor: libtorch's freed activation buffers stay in the process for reuse (NativeHeap; no libtorch loaded here).
SrFace.Runtime.NativeHeap.KeepFreedBlocks();

// One class per command (Commands/*.cs); each maps its settings to a library options record and calls the library.
var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("srface");
    config.SetApplicationVersion(VersionCommand.SrFaceVersion);   // srface --version
    config.PropagateExceptions();
    config.Settings.Console = AnsiConsole.Console; // help and `cli xmldoc` follow AnsiConsole.Console (tests capture it), not Spectre's cached copy
    config.UseStrictParsing(); // a misspelled option is a usage error, not silently ignored
    config.AddCommand<DoctorCommand>("doctor").WithDescription("Print the runtime and check that convolution gradients are computed correctly.");
    config.AddCommand<DemoCommand>("demo").WithDescription("The main job: fine-tune the pretrained recogniser jointly with an SR model on LFW DevTrain within a time budget (--from-scratch: train from random weights), evaluate on DevTest at several probe resolutions, write the report.");
    config.AddCommand<DataCommand>("data").WithDescription("Check the face datasets and LFW protocol files and print their figures.");
    config.AddCommand<EvaluateCommand>("evaluate").WithDescription("Evaluate a cascade on LFW at several probe resolutions (pipelines a/b/c, View 1/2), or on any pairs file in the LFW format over a folder-per-identity image set (--pairs FILE --images DIR), and write a report.");
    config.AddCommand<ExportCommand>("export").WithDescription("Export a cascade (trained, or a pretrained recogniser) for one probe size as one ONNX graph (opset 18, dynamic batch).");
    config.AddCommand<EnrollCommand>("enroll").WithDescription("Enrol a folder-per-identity image set into a face gallery.");
    config.AddBranch("gallery", g => { g.SetDescription("List or delete the identities of a face gallery."); g.AddCommand<GalleryListCommand>("list").WithDescription("List the enrolled identities."); g.AddCommand<GalleryDeleteCommand>("delete").WithDescription("Remove one identity."); });
    config.AddCommand<ModelsCommand>("models").WithDescription("List the pretrained model store: files, source packages, sizes, SHA-256 verification.");
    config.AddCommand<IdentifyCommand>("identify").WithDescription("Identify probe images against a gallery (top-k, open set), or evaluate a probe folder (rank-1, CMC). " + RecognitionCli.PhotoOutcomes + " --all-faces identifies every face, each listed with its box.");
    config.AddCommand<ServeCommand>("serve").WithDescription("Serve the HTTP API (verify, identify, enrol, restore; OpenAPI at /openapi/v1.json) and the web page, on 127.0.0.1 by default.");
    config.AddCommand<VerifyCommand>("verify").WithDescription("Verify whether two face images show the same person (exit 0 same, 1 different, 2 error). " + RecognitionCli.PhotoOutcomes);
    config.AddCommand<FineTuneView2Command>("finetune-view2").WithDescription("LFW View 2 with ten fine-tunings of the pretrained recogniser (fold k's people held out), pipelines a/b/c; resumable.");
    config.AddCommand<TrainCommand>("train").WithDescription("Train an SR model and a face recogniser jointly on LFW and save the cascade.");
    config.AddCommand<VersionCommand>("version").WithDescription("Print the SrFace and TorchSharp/libtorch versions.");
    // Commands are registered here, one line each (keep alphabetical within a group).
});
// No command is a usage error (help, then exit 2), not a success.
if (args.Length == 0)
{
    app.Run(["--help"]);
    return 2;
}
return CliErrors.Run(() => app.Run(args), args);
