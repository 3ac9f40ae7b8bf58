using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using SrFace.Server;

namespace SrFace.Cli.Commands;

/// <summary>
/// <c>srface serve --model M [--runtime torch|onnx] [--gallery sqlite:DIR|postgres://...] [--urls http://127.0.0.1:5080]</c>: runs the HTTP
/// service of <c>src/SrFace.Server</c> in this process until Ctrl+C.
/// </summary>
internal sealed class ServeCommand : Command<ServeCommand.Settings>
{
    /// <summary>Options of <c>srface serve</c>.</summary>
    public sealed class Settings : CommandSettings
    {
        /// <summary>Cascade file or pretrained recogniser name.</summary>
        [CommandOption("-m|--model <MODEL>")]
        [Description("A trained cascade (.srface file) or a pretrained recogniser's name (default: dlib-resnet, from the model store).")]
        public string? Model { get; init; }

        /// <summary>Model store folder.</summary>
        [CommandOption("--models <DIR>")]
        [Description("Model store with the face detector, for a model that aligns faces (default: $SRFACE_MODELS, else the user cache).")]
        public string? Models { get; init; }

        /// <summary>Gallery store.</summary>
        [CommandOption("-g|--gallery <GALLERIES>")]
        [Description("Where the galleries live: sqlite:DIR (or a plain DIR; one NAME.db file per gallery, default sqlite:galleries) or postgres://USER:PASSWORD@HOST:PORT/DATABASE (PostgreSQL + pgvector).")]
        public string Gallery { get; init; } = ServerOptions.DefaultGallery;

        /// <summary>Listening addresses.</summary>
        [CommandOption("--urls <URLS>")]
        [Description("Addresses to listen on, ';'-separated (default http://127.0.0.1:5080; loopback only unless you say otherwise).")]
        public string Urls { get; init; } = ServerOptions.DefaultUrls;

        /// <summary>API key file.</summary>
        [CommandOption("--api-key-file <FILE>")]
        [Description("File whose first line is the API key for enrol and delete, used when SRFACE_API_KEY is not set; generated (mode 600) when missing. Default ~/.config/srface/server-api-key.")]
        public string? ApiKeyFile { get; init; }

        /// <summary>Request body cap.</summary>
        [CommandOption("--max-upload-mb <MB>")]
        [Description("Largest request body in MiB (default 10).")]
        public int MaxUploadMb { get; init; } = 10;

        /// <summary>Pixel cap.</summary>
        [CommandOption("--max-megapixels <MP>")]
        [Description("Largest image in megapixels, checked from the header before decoding (default 16).")]
        public double MaxMegapixels { get; init; } = 16;

        /// <summary>Queue capacity.</summary>
        [CommandOption("--queue <N>")]
        [Description("Requests that may wait for the inference worker; more get 503 (default 32).")]
        public int Queue { get; init; } = 32;

        /// <summary>Face crop fraction overriding the model's.</summary>
        [CommandOption("--crop-fraction <F>")]
        [Description("Face crop as a fraction of the shorter image side, in (0, 1]] (default: the model's).")]
        public double? CropFraction { get; init; }

        /// <summary>Threshold overriding the model's.</summary>
        [CommandOption("-t|--threshold <T>")]
        [Description("Cosine threshold in [[-1, 1]] for verification and open-set identification (default: the model's calibrated one).")]
        public double? Threshold { get; init; }

        /// <summary>Inference runtime.</summary>
        [CommandOption("--runtime <RUNTIME>")]
        [Description("torch (default: TorchSharp, --model is a .srface file or a pretrained recogniser) or onnx (ONNX Runtime: --model is a file from `srface export`; " +
                     "face detection and alignment of a model that aligns faces still run in TorchSharp; /v1/restore and identify?images=true need torch).")]
        [DefaultValue("torch")]
        public string Runtime { get; init; } = "torch";

        /// <summary>bfloat16 models (torch runtime).</summary>
        [CommandOption("--bf16")]
        [Description(SrFace.Cli.Configuration.RecognitionSettings.BFloat16Help)]
        public bool BFloat16 { get; init; }

        /// <summary>The server options these settings stand for.</summary>
        public ServerOptions ToOptions() => new()
        {
            Model = SrFace.Cli.Configuration.ModelSource.Name(Model),
            Models = Models,
            Gallery = Gallery,
            Urls = Urls,
            ApiKeyFile = ApiKeyFile,
            MaxUploadBytes = (long)MaxUploadMb * 1024 * 1024,
            MaxPixels = (long)(MaxMegapixels * 1_000_000),
            QueueCapacity = Queue,
            CropFraction = CropFraction,
            Threshold = Threshold,
            Runtime = Runtime,
            BFloat16 = BFloat16,
        };

        /// <inheritdoc />
        public override ValidationResult Validate()
        {
            try
            {
                ToOptions().Validate();
                return ValidationResult.Success();
            }
            catch (ArgumentException e)
            {
                return ValidationResult.Error(e.Message);
            }
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var app = ServerApp.Build(settings.ToOptions());
        app.RunAsync().GetAwaiter().GetResult();
        return 0;
    }
}
