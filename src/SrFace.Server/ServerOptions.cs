namespace SrFace.Server;

/// <summary>Settings of <c>srface serve</c> (and of <c>SrFace.Server</c> run on its own).</summary>
public sealed record ServerOptions
{
    /// <summary>Default listening address: loopback only.</summary>
    public const string DefaultUrls = "http://127.0.0.1:5080";

    /// <summary>Default gallery store: a folder of SQLite files beside the working directory.</summary>
    public const string DefaultGallery = "sqlite:galleries";

    /// <summary>Environment variable holding the API key for enrolment and deletion.</summary>
    public const string ApiKeyVariable = "SRFACE_API_KEY";

    /// <summary>The cascade file (<c>.srface</c>) or a pretrained recogniser's name (<see cref="Cascade.FaceRecognitionCascade.Open"/>).</summary>
    public required string Model { get; init; }

    /// <summary>The model store holding pretrained weights and the face detector of a model that aligns faces; null for
    /// <c>$SRFACE_MODELS</c>, else the user cache. Not read for a centred-crop cascade file.</summary>
    public string? Models { get; init; }

    /// <summary>The model store <see cref="Models"/> means.</summary>
    public SrFace.Models.Pretrained.ModelStore Store => new(SrFace.Models.Pretrained.ModelStore.ResolveRoot(Models,
        Environment.GetEnvironmentVariable(SrFace.Models.Pretrained.ModelStore.EnvironmentVariable),
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME"), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)));

    /// <summary>Where galleries live: <c>sqlite:DIR</c> (a plain DIR too) or <c>postgres://USER:PASSWORD@HOST:PORT/DATABASE</c>.</summary>
    public string Gallery { get; init; } = DefaultGallery;

    /// <summary>Addresses to listen on, separated by ';' (port 0 picks a free port).</summary>
    public string Urls { get; init; } = DefaultUrls;

    /// <summary>File whose first line is the API key; used when <see cref="ApiKeyVariable"/> is not set. When neither
    /// exists, a random key is generated into this file (or <see cref="DefaultApiKeyFile"/>), readable by the owner only.</summary>
    public string? ApiKeyFile { get; init; }

    /// <summary>Largest request body in bytes (all uploads of one request together).</summary>
    public long MaxUploadBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Largest image accepted, in pixels (W x H), checked from the header before decoding.</summary>
    public long MaxPixels { get; init; } = 16_000_000;

    /// <summary>Most images in one enrolment request.</summary>
    public int MaxImagesPerEnrolment { get; init; } = 20;

    /// <summary>Requests that may wait for the inference worker; more are refused with 503.</summary>
    public int QueueCapacity { get; init; } = 32;

    /// <summary>Face crop as a fraction of the shorter image side overriding the model's; null for the model's.</summary>
    public double? CropFraction { get; init; }

    /// <summary>Cosine threshold overriding the model's calibrated ones (verification and open-set identification).</summary>
    public double? Threshold { get; init; }

    /// <summary>Inference runtime: "torch" (TorchSharp: <see cref="Model"/> is a .srface file or a pretrained
    /// recogniser) or "onnx" (ONNX Runtime: <see cref="Model"/> is a file from <c>srface export</c>).</summary>
    public string Runtime { get; init; } = "torch";

    /// <summary>Whether the TorchSharp models compute in bfloat16 (torch runtime only; cosines move by a few 1e-4, so a
    /// gallery is best enrolled and searched at one precision).</summary>
    public bool BFloat16 { get; init; }

    /// <summary>True when <see cref="Runtime"/> is onnx (any case).</summary>
    public bool IsOnnx => Runtime.Equals("onnx", StringComparison.OrdinalIgnoreCase);

    /// <summary>Where a generated API key is kept when no key is configured.</summary>
    public static string DefaultApiKeyFile =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "srface", "server-api-key");

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">When one is out of range.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Model)) throw new ArgumentException("A model (a .srface cascade file or a pretrained recogniser's name) is required: --model M.");
        if (string.IsNullOrWhiteSpace(Gallery)) throw new ArgumentException("--gallery is empty.");
        if (MaxUploadBytes < 1024) throw new ArgumentException($"The upload cap must be at least 1 KiB; got {MaxUploadBytes} bytes.");
        if (MaxPixels < 1) throw new ArgumentException($"The pixel cap must be at least 1; got {MaxPixels}.");
        if (MaxImagesPerEnrolment < 1) throw new ArgumentException($"At least one image per enrolment; got {MaxImagesPerEnrolment}.");
        if (QueueCapacity < 1) throw new ArgumentException($"The queue holds at least 1 request; got {QueueCapacity}.");
        if (CropFraction is { } c && !(c > 0 && c <= 1)) throw new ArgumentException($"The crop fraction must be in (0, 1]; got {c}.");
        if (Threshold is { } t && !(t >= -1 && t <= 1)) throw new ArgumentException($"The threshold must be a cosine in [-1, 1]; got {t}.");
        if (!IsOnnx && !Runtime.Equals("torch", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"The runtime must be torch or onnx; got '{Runtime}'.");
        if (BFloat16 && IsOnnx) throw new ArgumentException("bfloat16 applies to the torch runtime; an ONNX export runs in float32.");
    }
}
