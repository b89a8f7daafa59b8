using System;

namespace Backprop;

/// <summary>
/// A feed-forward network of fixed shape. Implemented by the source generator for every class
/// marked with <see cref="NetworkAttribute"/>; the runtime (training, evaluation, serialization)
/// works with any network through this interface, with generics and without reflection.
/// </summary>
/// <typeparam name="TSelf">The generated network type itself.</typeparam>
/// <remarks>
/// Layers are numbered 1..L with layer 1 the input. <see cref="Parameters"/> holds, for each
/// weight layer l = 2..L in turn, the weights w^l row-major as [n_l, n_(l−1)] (element (i, j), the
/// weight to neuron i of layer l from neuron j of layer l − 1, at index i·n_(l−1) + j), followed by
/// the biases b^l (n_l values).
/// </remarks>
public interface INetwork<TSelf> where TSelf : INetwork<TSelf>
{
    /// <summary>
    /// The network's layers, cost and parameter layout: what the runtime (initialisation, training, model files) and
    /// tools read of its structure.
    /// </summary>
    static abstract NetworkArchitecture Architecture { get; }

    /// <summary>The width of the input layer (layer 1).</summary>
    static abstract int InputSize { get; }

    /// <summary>The width of the output layer (layer L).</summary>
    static abstract int OutputSize { get; }

    /// <summary>The number of parameters (all weights and biases).</summary>
    static abstract int ParameterCount { get; }

    /// <summary>The size of every layer, input first.</summary>
    static abstract ReadOnlySpan<int> LayerSizes { get; }

    /// <summary>The activation of every weight layer 2..L, in order: L − 1 values, the last one the output's.</summary>
    static abstract ReadOnlySpan<ActivationKind> Activations { get; }

    /// <summary>The activation of the output layer L (the last of <see cref="Activations"/>).</summary>
    static abstract ActivationKind OutputActivation { get; }

    /// <summary>The cost function <see cref="Backprop"/> differentiates.</summary>
    static abstract CostKind Cost { get; }

    /// <summary>
    /// The number of floats of workspace <see cref="TrainBatch"/> needs for a mini-batch of
    /// <paramref name="batchSize"/> samples (activations and errors of every sample).
    /// </summary>
    static abstract int BatchWorkspaceSize(int batchSize);

    /// <summary>Creates a network whose parameters are all zero.</summary>
    static abstract TSelf Create();

    /// <summary>
    /// Creates a network initialised from <paramref name="seed"/> as by
    /// <see cref="InitializeParameters(int)"/>.
    /// </summary>
    static abstract TSelf Create(int seed);

    /// <summary>
    /// Every parameter, contiguous, in the layout described on <see cref="INetwork{TSelf}"/>.
    /// Writes go straight into the network.
    /// </summary>
    /// <remarks>
    /// Thread safety: any number of threads may predict with one instance at once (<see cref="Forward"/>,
    /// <see cref="ForwardBatch"/>, <see cref="Evaluate"/>, and also <see cref="Backprop"/> and
    /// <see cref="AccumulateGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, Span{float})"/>, which only read the parameters). Writing the parameters (through this span,
    /// <see cref="InitializeParameters"/>, <see cref="TrainBatch"/>, or loading a model into the instance) while
    /// another thread uses the same instance is a data race: that thread may compute with a mix of old and new
    /// parameters, and nothing detects it. Synchronise yourself (e.g. train a copy and swap instances), or give
    /// each thread its own instance: instances share no mutable state, so training one while others predict is
    /// safe.
    /// </remarks>
    Span<float> Parameters { get; }

    /// <summary>
    /// Initialises every parameter from <paramref name="seed"/>: weights w^l ~ N(0, 1)/√n_(l−1),
    /// biases ~ N(0, 1). The same seed gives the same parameters on every run and machine
    /// (see <see cref="ParameterInitializer"/>).
    /// </summary>
    void InitializeParameters(int seed);

    /// <summary>Computes the output a^L for one input. Reads the parameters only; thread-safe.</summary>
    /// <param name="input">Exactly <see cref="InputSize"/> values.</param>
    /// <param name="output">Exactly <see cref="OutputSize"/> values; receives a^L.</param>
    void Forward(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>
    /// Computes the outputs of many inputs at once (faster per sample than <see cref="Forward"/>:
    /// each weight is read once for a block of samples). Reads the parameters only; thread-safe.
    /// </summary>
    /// <param name="inputs">n samples, each <see cref="InputSize"/> values, one after another.</param>
    /// <param name="outputs">n · <see cref="OutputSize"/> values; receives each sample's a^L.</param>
    void ForwardBatch(ReadOnlySpan<float> inputs, Span<float> outputs);

    /// <summary>
    /// Computes the outputs of many inputs at once, as <see cref="ForwardBatch"/>, and returns their
    /// total cost Σ_x C_x against <paramref name="targets"/> (computed from z^L: finite however
    /// saturated the outputs). Reads the parameters only; thread-safe.
    /// </summary>
    /// <param name="inputs">n samples, each <see cref="InputSize"/> values, one after another.</param>
    /// <param name="targets">n targets, each <see cref="OutputSize"/> values, one after another.</param>
    /// <param name="outputs">n · <see cref="OutputSize"/> values; receives each sample's a^L.</param>
    float Evaluate(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, Span<float> outputs);

    /// <summary>
    /// Backpropagates one sample: <b>adds</b> ∂C_x/∂θ into <paramref name="gradient"/> and returns
    /// the sample's cost C_x. Reads the parameters only; thread-safe.
    /// </summary>
    /// <param name="input">Exactly <see cref="InputSize"/> values.</param>
    /// <param name="target">Exactly <see cref="OutputSize"/> values y.</param>
    /// <param name="gradient">Exactly <see cref="ParameterCount"/> values, laid out as <see cref="Parameters"/>.</param>
    /// <returns>The sample's cost, computed from z^L in a numerically stable form (finite when outputs saturate).</returns>
    float Backprop(ReadOnlySpan<float> input, ReadOnlySpan<float> target, Span<float> gradient);

    /// <summary>
    /// Backpropagates a mini-batch: <b>adds</b> Σ_x ∂C_x/∂θ over the samples x = rows
    /// <paramref name="batch"/>[k] of <paramref name="inputs"/> and <paramref name="targets"/> into
    /// <paramref name="gradient"/> (laid out as <see cref="Parameters"/>) and returns Σ_x C_x: the
    /// gradient for an optimiser of your own, or for data-parallel training. Reads the parameters
    /// only; thread-safe, each thread with its own gradient and workspace.
    /// </summary>
    /// <param name="inputs">The data set's inputs: rows of <see cref="InputSize"/> values.</param>
    /// <param name="targets">The data set's targets: rows of <see cref="OutputSize"/> values, as many rows as <paramref name="inputs"/>.</param>
    /// <param name="batch">The row of each sample of the mini-batch (at least one).</param>
    /// <param name="gradient">Exactly <see cref="ParameterCount"/> values; receives the sum.</param>
    /// <param name="workspace">At least <see cref="BatchWorkspaceSize"/>(m) floats of scratch.</param>
    float AccumulateGradient(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> batch, Span<float> gradient, Span<float> workspace);

    /// <summary>
    /// One step of mini-batch gradient descent, in place: for the m = <paramref name="batch"/>.Length
    /// samples x = rows <paramref name="batch"/>[k] of <paramref name="inputs"/> (targets the same rows
    /// of <paramref name="targets"/>), sets w ← <paramref name="weightDecay"/> · w − (η/m) Σ_x ∂C_x/∂w and
    /// b ← b − (η/m) Σ_x ∂C_x/∂b with η = <paramref name="learningRate"/>. The gradient is never
    /// materialised: each weight block is updated as soon as its sum over the batch is complete.
    /// Not thread-safe (it writes the parameters).
    /// </summary>
    /// <param name="inputs">The data set's inputs: rows of <see cref="InputSize"/> values.</param>
    /// <param name="targets">The data set's targets: rows of <see cref="OutputSize"/> values, as many rows as <paramref name="inputs"/>.</param>
    /// <param name="batch">The row of each sample of the mini-batch (at least one).</param>
    /// <param name="learningRate">η.</param>
    /// <param name="weightDecay">The factor applied to every weight before the gradient step: 1 − ηλ/n for L2 regularisation, 1 for none.</param>
    /// <param name="workspace">At least <see cref="BatchWorkspaceSize"/>(m) floats of scratch.</param>
    /// <param name="upcoming">
    /// The rows the next call will train on, if known: they are requested from memory while this
    /// step runs, so that shuffled samples scattered through a data set larger than the caches arrive
    /// in time. A hint only; it changes no result.
    /// </param>
    /// <returns>Σ_x C_x over the mini-batch, computed before the update.</returns>
    float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> batch, float learningRate, float weightDecay, Span<float> workspace, ReadOnlySpan<int> upcoming = default);

    /// <summary>
    /// One step of <paramref name="update"/> on a mini-batch, as <see cref="TrainBatch"/> but on the parameters in
    /// <paramref name="parameters"/> (in the <see cref="Parameters"/> layout, at the start of the span) and with each sum
    /// over the batch, Σ_x ∂C_x/∂θ for a bias or a vector of weights, handed to the update as soon as it is complete: the
    /// optimizer's step fused into the kernel, with the gradient never stored. An update may keep per-parameter state in
    /// the span after the parameters (see <see cref="IParameterUpdate"/>). Writes only <paramref name="parameters"/>.
    /// </summary>
    /// <typeparam name="TUpdate">The update, a struct the JIT compiles into the kernels.</typeparam>
    /// <param name="parameters">At least <see cref="ParameterCount"/> floats, the parameters first.</param>
    /// <param name="inputs">The data set's inputs: rows of <see cref="InputSize"/> values.</param>
    /// <param name="targets">The data set's targets: rows of <see cref="OutputSize"/> values, as many rows as <paramref name="inputs"/>.</param>
    /// <param name="batch">The row of each sample of the mini-batch (at least one).</param>
    /// <param name="update">What to do with each parameter's sum.</param>
    /// <param name="workspace">At least <see cref="BatchWorkspaceSize"/>(m) floats of scratch.</param>
    /// <param name="upcoming">The rows the next call will train on, to prefetch (see <see cref="TrainBatch"/>); a hint only.</param>
    /// <returns>Σ_x C_x over the mini-batch, computed before the update.</returns>
    static abstract float UpdateBatch<TUpdate>(Span<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> batch, ref TUpdate update, Span<float> workspace, ReadOnlySpan<int> upcoming = default)
        where TUpdate : struct, IParameterUpdate;

    /// <summary>
    /// As <see cref="AccumulateGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, Span{float})"/>,
    /// with the key of this step's dropout masks: a network with <c>[Dropout]</c> layers drops the values the key, the
    /// sample's row and the value's place decide (the same key, the same masks, however the batch is split across threads);
    /// a trainer passes a new key each step. A network without dropout ignores it. Without a key, the masks are key 0's.
    /// </summary>
    /// <param name="inputs">The data set's inputs: rows of <see cref="InputSize"/> values.</param>
    /// <param name="targets">The data set's targets: rows of <see cref="OutputSize"/> values, as many rows as <paramref name="inputs"/>.</param>
    /// <param name="batch">The row of each sample of the mini-batch (at least one).</param>
    /// <param name="gradient">Exactly <see cref="ParameterCount"/> values; receives the sum.</param>
    /// <param name="workspace">At least <see cref="BatchWorkspaceSize"/>(m) floats of scratch.</param>
    /// <param name="dropoutKey">The key of this step's dropout masks.</param>
    float AccumulateGradient(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> batch, Span<float> gradient, Span<float> workspace, ulong dropoutKey)
        => AccumulateGradient(inputs, targets, batch, gradient, workspace);

    /// <summary>
    /// As <see cref="UpdateBatch{TUpdate}(Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, ref TUpdate, Span{float}, ReadOnlySpan{int})"/>,
    /// with the key of this step's dropout masks (see <see cref="AccumulateGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, Span{float}, ulong)"/>).
    /// </summary>
    /// <typeparam name="TUpdate">The update, a struct the JIT compiles into the kernels.</typeparam>
    /// <param name="parameters">At least <see cref="ParameterCount"/> floats, the parameters first.</param>
    /// <param name="inputs">The data set's inputs: rows of <see cref="InputSize"/> values.</param>
    /// <param name="targets">The data set's targets: rows of <see cref="OutputSize"/> values, as many rows as <paramref name="inputs"/>.</param>
    /// <param name="batch">The row of each sample of the mini-batch (at least one).</param>
    /// <param name="update">What to do with each parameter's sum.</param>
    /// <param name="workspace">At least <see cref="BatchWorkspaceSize"/>(m) floats of scratch.</param>
    /// <param name="upcoming">The rows the next call will train on, to prefetch; a hint only.</param>
    /// <param name="dropoutKey">The key of this step's dropout masks.</param>
    /// <returns>Σ_x C_x over the mini-batch, computed before the update.</returns>
    static virtual float UpdateBatch<TUpdate>(Span<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> batch, ref TUpdate update, Span<float> workspace, ReadOnlySpan<int> upcoming, ulong dropoutKey)
        where TUpdate : struct, IParameterUpdate
        => TSelf.UpdateBatch(parameters, inputs, targets, batch, ref update, workspace, upcoming);
}
