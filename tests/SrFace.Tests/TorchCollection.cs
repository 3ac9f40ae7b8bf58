namespace SrFace.Tests;

/// <summary>Tests that run libtorch share one collection, so they run one after another and do not fight over the two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    /// <summary>The collection name to put on torch test classes.</summary>
    public const string Name = "torch";
}
