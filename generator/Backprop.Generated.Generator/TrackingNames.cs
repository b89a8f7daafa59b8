namespace Backprop.Generated.Generator;

/// <summary>Names of the incremental pipeline's steps, for the caching tests.</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string Specs = nameof(Specs);
    public const string Diagnostics = nameof(Diagnostics);
}
