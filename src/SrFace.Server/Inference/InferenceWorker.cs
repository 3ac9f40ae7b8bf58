using System.Threading.Channels;
using SrFace.Cascade;
using SrFace.Export;
using SrFace.Imaging;
using SrFace.Recognition;
using static TorchSharp.torch;

namespace SrFace.Server.Inference;

/// <summary>
/// The one thread that owns the models (TorchSharp modules are not thread-safe, nor are the ONNX cascade's buffers):
/// requests hand it work through a
/// bounded queue and await the result. A full queue refuses at once (<see cref="QueueFullException"/>, 503), so a
/// burst cannot pile up memory or latency without bound.
/// </summary>
internal sealed class InferenceWorker : IDisposable
{
    private readonly Channel<IWorkItem> _queue;
    private readonly Thread _thread;
    private readonly InferenceModels _models;

    /// <summary>Loads the model (errors surface here, before the server listens) and starts the worker thread.</summary>
    public InferenceWorker(ServerOptions options)
    {
        _models = options.IsOnnx ? LoadOnnx(options) : LoadTorch(options);
        Capacity = options.QueueCapacity;
        _option = options.Threshold;
        Threshold = options.Threshold ?? _models.Embedder.Threshold;
        _queue = Channel.CreateBounded<IWorkItem>(new BoundedChannelOptions(options.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _thread = new Thread(Loop) { IsBackground = true, Name = "srface-inference" };
        _thread.Start();
    }

    private readonly double? _option;

    /// <summary>A .srface file or a pretrained recogniser's name, in TorchSharp.</summary>
    private static InferenceModels LoadTorch(ServerOptions options)
    {
        var cascade = FaceRecognitionCascade.Open(options.Model, options.Store);
        if (options.BFloat16) cascade.Precision = SrFace.Runtime.ComputePrecision.BFloat16;
        try
        {
            var preprocessing = options.CropFraction is { } f ? cascade.Preprocessing.CentredCrop(f) : null;
            var embedder = new FaceEmbedder(cascade, preprocessing);
            return new InferenceModels(cascade, embedder, new FaceImageReader(embedder.Preprocessing.Color, options.MaxPixels), cascade);
        }
        catch
        {
            cascade.Dispose();
            throw;
        }
    }

    /// <summary>A file from <c>srface export</c> in ONNX Runtime (the detector of an export that aligns faces in TorchSharp).</summary>
    private static InferenceModels LoadOnnx(ServerOptions options)
    {
        var (onnx, detector) = OnnxCascadeLoader.Load(options.Model, options.Store, options.CropFraction);
        return new InferenceModels(null, onnx, new FaceImageReader(onnx.Preprocessing.Color, options.MaxPixels), onnx, detector);
    }

    /// <summary>The open-set identification threshold for a request and its source (<see cref="FaceIdentification.OpenSetThresholdOf"/>):
    /// the request's, else the server's option, else the model's open-set one, else its verification one.</summary>
    /// <param name="request">The request's threshold, or null.</param>
    public (double? Threshold, string Source) OpenSetThreshold(double? request) =>
        FaceIdentification.OpenSetThresholdOf(request ?? _option, _models.Embedder);

    /// <summary>The gallery model id of the loaded cascade.</summary>
    public string ModelId => _models.Embedder.ModelId;

    /// <summary>The recogniser input side S of the loaded cascade, pixels (the largest probe size).</summary>
    public int InputSize => _models.Embedder.Preprocessing.Size;

    /// <summary>Embedding width of the loaded cascade.</summary>
    public int EmbeddingDimension => _models.Embedder.EmbeddingDimension;

    /// <summary>The decision threshold: the server option, else the model's calibrated one, else null.</summary>
    public double? Threshold { get; }

    /// <summary>Requests waiting (not counting the one running).</summary>
    public int QueueLength => _queue.Reader.Count;

    /// <summary>Most requests that may wait.</summary>
    public int Capacity { get; }

    /// <summary>Queues <paramref name="work"/> for the worker thread.</summary>
    /// <exception cref="QueueFullException">When <see cref="Capacity"/> requests are already waiting.</exception>
    public Task<T> RunAsync<T>(Func<InferenceModels, T> work, CancellationToken cancellationToken)
    {
        var item = new WorkItem<T>(work, cancellationToken);
        if (!_queue.Writer.TryWrite(item)) throw new QueueFullException(Capacity);
        return item.Task;
    }

    /// <summary>Stops taking work, lets the worker finish what is queued, and releases the models.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _thread.Join(TimeSpan.FromSeconds(30));
        _models.Model.Dispose();
        _models.Detector?.Dispose();
    }

    private void Loop()
    {
        var reader = _queue.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            while (reader.TryRead(out var item))
            {
                // Native tensors are freed per request on the TorchSharp path; the ONNX Runtime path makes none (and
                // may run where libtorch is absent).
                using var scope = _models.UsesTorch ? NewDisposeScope() : null;
                item.Run(_models);
            }
    }

    private interface IWorkItem
    {
        void Run(InferenceModels models);
    }

    private sealed class WorkItem<T>(Func<InferenceModels, T> work, CancellationToken cancellationToken) : IWorkItem
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _done.Task;

        public void Run(InferenceModels models)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                _done.TrySetCanceled(cancellationToken); // the client left while it waited
                return;
            }
            try
            {
                _done.TrySetResult(work(models));
            }
            catch (Exception e)
            {
                _done.TrySetException(e);
            }
        }
    }
}

/// <summary>What the worker thread owns: the embedder (either runtime), the TorchSharp cascade when that is the runtime
/// (restoration images), the image decoder (capped at the server's pixel limit), and what to dispose.</summary>
/// <param name="Cascade">The TorchSharp cascade, or null under ONNX Runtime.</param>
/// <param name="Embedder">The one embedding path (<see cref="IFaceEmbedder"/>).</param>
/// <param name="Reader">The upload decoder.</param>
/// <param name="Model">The cascade or ONNX sessions, disposed with the worker.</param>
/// <param name="Detector">The face detector an ONNX export that aligns faces was given, disposed with the worker; else null.</param>
internal sealed record InferenceModels(FaceRecognitionCascade? Cascade, IFaceEmbedder Embedder, FaceImageReader Reader, IDisposable Model, Detection.FaceDetector? Detector = null)
{
    /// <summary>True when requests run TorchSharp code: a .srface cascade, or an aligning export without its detector file.</summary>
    public bool UsesTorch => Cascade is not null || Detector is not null || Embedder is OnnxCascade { NeedsTorch: true };
}

/// <summary>The inference queue is full: the request is refused with 503 and may be retried.</summary>
internal sealed class QueueFullException(int capacity) : Exception($"The server is busy: {capacity} requests are already waiting for the inference worker. Retry shortly.");
