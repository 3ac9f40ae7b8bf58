namespace SrFace.Data.Sampling;

/// <summary>
/// P x K identity-balanced batch sampler for pair losses (the contrastive loss of METHOD.md step 8; "batch hard"
/// sampling of Hermans, Beyer and Leibe, "In Defense of the Triplet Loss for Person Re-Identification", 2017): each
/// batch holds P distinct identities with K images each, so every batch contains matched and mismatched pairs.
/// </summary>
/// <remarks>
/// <para>Epoch: one pass over all eligible identities (those with at least K images) in an order shuffled by
/// (seed, epoch); consecutive groups of P identities form the batches, and the last <c>eligible mod P</c> identities
/// of the order are dropped for that epoch (they are reshuffled into the next one). Each identity's K images are
/// drawn without replacement from its images, by (seed, epoch, identity).</para>
/// <para>Every batch is a pure function of (seed, iteration): <see cref="BatchAt"/> recomputes it directly, so a
/// run resumed from a checkpoint at iteration t gets exactly the batches it would have had. The generator is a
/// fixed SplitMix64, not <see cref="Random"/> or <see cref="HashCode"/>, so batches are also identical across
/// processes and .NET versions.</para>
/// <para>Not thread-safe (it caches the current epoch's order).</para>
/// </remarks>
public sealed class PkBatchSampler
{
    private readonly int[] _eligible;           // identity labels with >= K images, ascending
    private readonly int[][] _imagesOfIdentity; // parallel to _eligible: sample indices, ascending
    private readonly ulong _seed;
    private long _cachedEpoch = -1;
    private int[] _cachedOrder = [];

    /// <summary>Builds the sampler from per-sample identity labels.</summary>
    /// <param name="labels">The identity label of every sample, indexed by sample (any integers).</param>
    /// <param name="identitiesPerBatch">P, the number of distinct identities per batch; at least 2.</param>
    /// <param name="imagesPerIdentity">K, the number of images per identity per batch; at least 2 so every batch has matched pairs.</param>
    /// <param name="seed">The seed of every shuffle.</param>
    /// <exception cref="ArgumentOutOfRangeException">When P &lt; 2 or K &lt; 2.</exception>
    /// <exception cref="ArgumentException">When fewer than P identities have at least K images.</exception>
    public PkBatchSampler(IReadOnlyList<int> labels, int identitiesPerBatch, int imagesPerIdentity, long seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (identitiesPerBatch < 2) throw new ArgumentOutOfRangeException(nameof(identitiesPerBatch), $"P (identities per batch) must be at least 2 so batches hold different-identity pairs; got {identitiesPerBatch}.");
        if (imagesPerIdentity < 2) throw new ArgumentOutOfRangeException(nameof(imagesPerIdentity), $"K (images per identity) must be at least 2 so batches hold same-identity pairs; got {imagesPerIdentity}.");
        IdentitiesPerBatch = identitiesPerBatch;
        ImagesPerIdentity = imagesPerIdentity;
        _seed = (ulong)seed;

        var groups = Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key).ToList();
        var eligible = groups.Where(g => g.Count() >= imagesPerIdentity).ToList();
        _eligible = eligible.Select(g => g.Key).ToArray();
        _imagesOfIdentity = eligible.Select(g => g.ToArray()).ToArray();
        SkippedIdentities = groups.Count - eligible.Count;
        SkippedImages = groups.Where(g => g.Count() < imagesPerIdentity).Sum(g => g.Count());
        if (_eligible.Length < identitiesPerBatch)
            throw new ArgumentException($"P x K sampling needs at least P = {identitiesPerBatch} identities with K = {imagesPerIdentity} or more images; only {_eligible.Length} of {groups.Count} identities qualify.", nameof(labels));
    }

    /// <summary>P: distinct identities per batch.</summary>
    public int IdentitiesPerBatch { get; }

    /// <summary>K: images per identity per batch.</summary>
    public int ImagesPerIdentity { get; }

    /// <summary>Samples per batch, P x K.</summary>
    public int BatchSize => IdentitiesPerBatch * ImagesPerIdentity;

    /// <summary>Identities with at least K images (the ones sampled).</summary>
    public int EligibleIdentities => _eligible.Length;

    /// <summary>Identities skipped because they have fewer than K images.</summary>
    public int SkippedIdentities { get; }

    /// <summary>Images never sampled because their identity has fewer than K images.</summary>
    public int SkippedImages { get; }

    /// <summary>Batches per epoch: <c>floor(EligibleIdentities / P)</c> (the remainder is dropped each epoch).</summary>
    public int BatchesPerEpoch => _eligible.Length / IdentitiesPerBatch;

    /// <summary>The batches of one epoch, in order.</summary>
    /// <param name="epoch">The epoch number, from 0.</param>
    /// <returns><see cref="BatchesPerEpoch"/> batches (see <see cref="BatchAt"/> for their layout).</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="epoch"/> is negative.</exception>
    public IEnumerable<int[]> Epoch(int epoch)
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), $"Epoch must be >= 0; got {epoch}.");
        for (var b = 0; b < BatchesPerEpoch; b++) yield return BatchAt((long)epoch * BatchesPerEpoch + b);
    }

    /// <summary>
    /// The batch of a global iteration (epoch = iteration / BatchesPerEpoch), computed from the seed alone: the
    /// position to restore when resuming from a checkpoint is just the iteration count.
    /// </summary>
    /// <param name="iteration">The global batch index, from 0.</param>
    /// <returns>P x K sample indices (into the labels given to the constructor), grouped by identity: entries
    /// <c>[j K, (j + 1) K)</c> are the K distinct images of the batch's j-th identity.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="iteration"/> is negative.</exception>
    public int[] BatchAt(long iteration)
    {
        if (iteration < 0) throw new ArgumentOutOfRangeException(nameof(iteration), $"Iteration must be >= 0; got {iteration}.");
        long epoch = iteration / BatchesPerEpoch, inEpoch = iteration % BatchesPerEpoch;
        var order = IdentityOrder(epoch);
        var batch = new int[BatchSize];
        for (var j = 0; j < IdentitiesPerBatch; j++)
        {
            var identity = order[inEpoch * IdentitiesPerBatch + j];
            var images = (int[])_imagesOfIdentity[identity].Clone();
            var rng = new SplitMix64(Mix(_seed, (ulong)epoch, (ulong)identity + 1));
            PartialShuffle(images, ImagesPerIdentity, ref rng);
            Array.Copy(images, 0, batch, j * ImagesPerIdentity, ImagesPerIdentity);
        }
        return batch;
    }

    /// <summary>The identity label of every eligible identity, ascending (the ones <see cref="BatchAt"/> draws from).</summary>
    public IReadOnlyList<int> EligibleLabels => _eligible;

    private int[] IdentityOrder(long epoch)
    {
        if (epoch == _cachedEpoch) return _cachedOrder;
        var order = Enumerable.Range(0, _eligible.Length).ToArray();
        var rng = new SplitMix64(Mix(_seed, (ulong)epoch, 0));
        PartialShuffle(order, order.Length, ref rng);
        (_cachedEpoch, _cachedOrder) = (epoch, order);
        return order;
    }

    // Fisher-Yates on the first `count` positions: they end up a uniform draw without replacement.
    private static void PartialShuffle(int[] items, int count, ref SplitMix64 rng)
    {
        for (var i = 0; i < count && i < items.Length - 1; i++)
        {
            var j = i + (int)rng.NextBelow((ulong)(items.Length - i));
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong Mix(ulong seed, ulong a, ulong b)
    {
        var s = new SplitMix64(seed);
        var h = s.Next() ^ a;
        h = new SplitMix64(h).Next() ^ b;
        return new SplitMix64(h).Next();
    }

    /// <summary>SplitMix64 (Steele, Lea and Flood, 2014): tiny, fixed, good enough for shuffles.</summary>
    private struct SplitMix64(ulong state)
    {
        private ulong _state = state;

        public ulong Next()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        // Rejection sampling so the draw is unbiased (plain modulo would favour small values).
        public ulong NextBelow(ulong bound)
        {
            var limit = ulong.MaxValue - ulong.MaxValue % bound;
            ulong r;
            do r = Next(); while (r >= limit);
            return r % bound;
        }
    }
}
