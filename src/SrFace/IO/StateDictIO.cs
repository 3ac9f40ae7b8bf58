using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.IO;

/// <summary>
/// Saves and loads module weights and optimiser states whatever their memory layout. TorchSharp's own
/// <c>Module.save</c> and <c>save_state_dict</c> refuse non-contiguous tensors, and SrFace keeps every convolution
/// kernel (and so its momentum buffer) channels-last. Each tensor is written as: name, dtype, rank, shape, then its
/// values in contiguous (row-major NCHW) order; loading copies into the existing tensors, keeping their layout.
/// </summary>
public static class StateDictIO
{
    /// <summary>Writes every entry of <paramref name="module"/>'s state dict (parameters and buffers).</summary>
    /// <param name="writer">Destination.</param>
    /// <param name="module">The module; it is not changed.</param>
    public static void SaveModule(BinaryWriter writer, nn.Module module)
    {
        var state = module.state_dict();
        writer.Write(state.Count);
        foreach (var (name, tensor) in state)
        {
            writer.Write(name);
            WriteTensor(writer, tensor);
        }
    }

    /// <summary>Loads a state dict written by <see cref="SaveModule"/> into a module of the same architecture.</summary>
    /// <param name="reader">Source.</param>
    /// <param name="module">The module whose tensors are overwritten in place.</param>
    /// <exception cref="InvalidDataException">When names, shapes or dtypes differ from the module's (another architecture or options).</exception>
    public static void LoadModule(BinaryReader reader, nn.Module module)
    {
        var state = module.state_dict();
        var count = reader.ReadInt32();
        if (count != state.Count)
            throw new InvalidDataException($"the file has {count} tensors, the model {state.Count} (another architecture or options)");
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            if (!state.TryGetValue(name, out var target))
                throw new InvalidDataException($"the file has tensor '{name}', which the model lacks (another architecture)");
            ReadInto(reader, target, name);
        }
    }

    /// <summary>Writes an SGD or AdamW optimiser's per-parameter state (momentum buffers; Adam step and moments).</summary>
    /// <param name="writer">Destination.</param>
    /// <param name="optimizer">An optimiser made by SrFace (SGD or AdamW).</param>
    /// <exception cref="NotSupportedException">For other optimiser types.</exception>
    public static void SaveOptimizer(BinaryWriter writer, OptimizerHelper optimizer)
    {
        var states = optimizer.state_dict().State;
        writer.Write(states.Count);
        foreach (var state in states)
        {
            switch (state)
            {
                case SGD.State sgd:
                    WriteOptional(writer, sgd.momentum_buffer);
                    break;
                case AdamW.State adam:
                    writer.Write(adam.step);
                    WriteOptional(writer, adam.exp_avg);
                    WriteOptional(writer, adam.exp_avg_sq);
                    break;
                default:
                    throw new NotSupportedException($"Saving {state.GetType().Name} optimiser state is not supported.");
            }
        }
    }

    /// <summary>Loads optimiser state written by <see cref="SaveOptimizer"/> into an optimiser over the same parameters.</summary>
    /// <param name="reader">Source.</param>
    /// <param name="optimizer">The optimiser whose state is replaced.</param>
    /// <exception cref="InvalidDataException">When the saved state does not fit the optimiser's parameters.</exception>
    public static void LoadOptimizer(BinaryReader reader, OptimizerHelper optimizer)
    {
        var states = optimizer.state_dict().State;
        var count = reader.ReadInt32();
        if (count != states.Count)
            throw new InvalidDataException($"the file has optimiser state for {count} parameters, the optimiser {states.Count}");
        using var _ = no_grad();
        foreach (var state in states)
        {
            switch (state)
            {
                case SGD.State sgd:
                    sgd.momentum_buffer = ReadOptional(reader, sgd.momentum_buffer);
                    break;
                case AdamW.State adam:
                    adam.step = reader.ReadInt64();
                    adam.exp_avg = ReadOptional(reader, adam.exp_avg)!;
                    adam.exp_avg_sq = ReadOptional(reader, adam.exp_avg_sq)!;
                    break;
                default:
                    throw new NotSupportedException($"Loading {state.GetType().Name} optimiser state is not supported.");
            }
        }
    }

    private static void WriteTensor(BinaryWriter writer, Tensor tensor)
    {
        using var contiguous = tensor.detach().cpu().contiguous();
        writer.Write((int)contiguous.dtype);
        writer.Write((int)contiguous.dim());
        foreach (var d in contiguous.shape) writer.Write(d);
        var bytes = contiguous.bytes;
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    private static Tensor ReadTensor(BinaryReader reader)
    {
        var (dtype, shape, length) = ReadHeader(reader);
        var bytes = reader.ReadBytes(length);
        if (bytes.Length != length) throw new EndOfStreamException("truncated tensor data");
        var tensor = empty(shape, dtype);
        tensor.bytes = bytes;
        return tensor;
    }

    /// <summary>
    /// Reads and checks a tensor header before anything is allocated: a damaged header must be an
    /// <see cref="InvalidDataException"/>, not a libtorch allocation of absurd size.
    /// </summary>
    private static (ScalarType DType, long[] Shape, int Length) ReadHeader(BinaryReader reader)
    {
        var code = reader.ReadInt32();
        var rank = reader.ReadInt32();
        if (!ElementSizes.TryGetValue((ScalarType)code, out var elementSize))
            throw new InvalidDataException($"damaged tensor header (unknown dtype code {code})");
        if (rank is < 0 or > 8) throw new InvalidDataException($"damaged tensor header (rank {rank})");
        var shape = new long[rank];
        long count = 1;
        for (var i = 0; i < rank; i++)
        {
            shape[i] = reader.ReadInt64();
            if (shape[i] < 0 || (shape[i] > 0 && count > int.MaxValue / shape[i]))
                throw new InvalidDataException($"damaged tensor header (shape [{string.Join(", ", shape.Take(i + 1))}])");
            count *= shape[i];
        }
        var length = reader.ReadInt32();
        var remaining = reader.BaseStream.CanSeek ? reader.BaseStream.Length - reader.BaseStream.Position : long.MaxValue;
        if (length != count * elementSize || length > remaining)
            throw new InvalidDataException($"damaged tensor header ({length} data bytes for {(ScalarType)code} [{string.Join(", ", shape)}], {remaining} bytes left)");
        return ((ScalarType)code, shape, length);
    }

    private static readonly Dictionary<ScalarType, int> ElementSizes = new()
    {
        [ScalarType.Byte] = 1, [ScalarType.Int8] = 1, [ScalarType.Bool] = 1, [ScalarType.Int16] = 2, [ScalarType.Int32] = 4,
        [ScalarType.Int64] = 8, [ScalarType.Float16] = 2, [ScalarType.BFloat16] = 2, [ScalarType.Float32] = 4, [ScalarType.Float64] = 8,
    };

    private static void ReadInto(BinaryReader reader, Tensor target, string name)
    {
        var start = reader.BaseStream.Position;
        var (dtype, shape, _) = ReadHeader(reader);
        if (dtype != target.dtype || !shape.SequenceEqual(target.shape))
            throw new InvalidDataException($"tensor '{name}' is {dtype} [{string.Join(", ", shape)}] in the file but {target.dtype} [{string.Join(", ", target.shape)}] in the model");
        reader.BaseStream.Position = start;
        using var loaded = ReadTensor(reader);
        using var _ = no_grad();
        target.copy_(loaded);
    }

    private static void WriteOptional(BinaryWriter writer, Tensor? tensor)
    {
        writer.Write(tensor is not null);
        if (tensor is not null) WriteTensor(writer, tensor);
    }

    /// <summary>Reads an optional tensor; keeps the layout of <paramref name="like"/> when it exists.</summary>
    private static Tensor? ReadOptional(BinaryReader reader, Tensor? like)
    {
        if (!reader.ReadBoolean()) return null;
        var loaded = ReadTensor(reader);
        if (like is null || !like.shape.SequenceEqual(loaded.shape)) return loaded;
        like.copy_(loaded);
        loaded.Dispose();
        return like;
    }
}
