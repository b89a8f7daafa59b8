namespace Backprop.Generated.Generator;

/// <summary>Names of the incremental pipeline's steps, for the caching tests.</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string Specs = nameof(Specs);
    public const string Diagnostics = nameof(Diagnostics);
    public const string WeightsFileNames = nameof(WeightsFileNames);
    public const string WeightsFiles = nameof(WeightsFiles);
    public const string BindWeights = nameof(BindWeights);
}
